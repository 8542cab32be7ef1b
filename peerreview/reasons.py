"""The reasons people give for recorded decisions (overrides, reverts, extensions, conflicts)."""
from __future__ import annotations

from flask_babel import _

MAX_REASON_LENGTH = 2_000


def reason_problem(reason: str, *, missing: str | None) -> str | None:
    """Why a stated reason is refused, or None: empty when one is required (`missing` says how to ask
    for it; None when a reason is optional), or longer than MAX_REASON_LENGTH."""
    if not reason and missing is not None:
        return missing
    if len(reason) > MAX_REASON_LENGTH:
        return _("A reason may have at most %(n)d characters.", n=MAX_REASON_LENGTH)
    return None
