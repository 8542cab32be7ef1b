"""The rules of releasing a report in tiers (issue 9): draft -> factual check -> network -> public.

Plain functions over the report's state, no database access: the services ask them and raise
Conflict with the answer. A published copy is an immutable version; a correction is a new version
with a reason; a withdrawal keeps the record with its reason.
"""
from __future__ import annotations

from flask_babel import _
from flask_babel import lazy_gettext as _l

from peerreview.reasons import reason_problem
from peerreview.reports.models import (
    DRAFT,
    FEEDBACK,
    RELEASED_TIERS,
    TIER_DRAFT,
    TIER_FACTUAL_CHECK,
    TIER_NETWORK,
    TIER_PUBLIC,
    TIERS,
    VERSION_CURRENT,
)

TIER_LABELS = {TIER_DRAFT: _l("Draft"), TIER_FACTUAL_CHECK: _l("Factual check"),
               TIER_NETWORK: _l("Published to the network"), TIER_PUBLIC: _l("Public")}
# Who reads a report at each tier: said on the pages that move it there.
TIER_AUDIENCES = {
    TIER_DRAFT: _l("the secretariat and the review team"),
    TIER_FACTUAL_CHECK: _l("the secretariat, the review team and the delegation concerned, which can flag "
                           "factual errors"),
    TIER_NETWORK: _l("everyone taking part in the cycle: its delegations, peer reviewers and secretariat"),
    TIER_PUBLIC: _l("everyone, without signing in: it is listed in the public register with its SHA-256"),
}


def wider_or_same(tier: str, than: str) -> bool:
    return TIERS.index(tier) >= TIERS.index(than)


def has_newer_draft(report) -> bool:
    """A draft rendered after the current version was published (or no version yet)."""
    current = report.current_version
    if report.status != DRAFT or report.rendered_at is None:
        return False
    return current is None or report.rendered_at > current.published_at


def factual_check_problem(report) -> str | None:
    if report.kind != FEEDBACK:
        return _("Only a feedback report goes to its delegation for a factual check.")
    if report.tier != TIER_DRAFT:
        return _("The report is past the draft stage.")
    if report.status != DRAFT:
        return _("Render the draft first; the delegation checks a rendered draft.")
    return None


def publication_problem(report, tier: str, reason: str) -> str | None:
    """Why the report cannot be published to `tier` now (with this correction reason), or None.

    Publishing makes a new version from the latest draft, or widens the audience of the current
    version (network -> public) without a new version. A report is never narrowed: withdraw it.
    """
    if tier not in RELEASED_TIERS:
        return _("A report is published to the network or to the public.")
    if report.release_to:
        return _("A publication of this report is being rendered; reload the page in a moment.")
    released = report.tier in RELEASED_TIERS
    if released and not wider_or_same(tier, report.tier):
        return _("The report is already public; a published report is never narrowed. Withdraw the version "
                      "instead.")
    if not has_newer_draft(report):
        if report.current_version is not None and tier != report.tier:
            return None  # widening the current version's audience
        if report.current_version is not None:
            return _("This version is already published. To correct it, render a corrected draft first.")
        return _("Only a rendered draft can be published.")
    return reason_problem(reason.strip(), missing=_(
        "Say what this version corrects; the earlier version stays listed with your reason.")
        if report.versions else None)


def withdrawal_problem(version, reason: str) -> str | None:
    if version.state != VERSION_CURRENT:
        return _("Only the current version can be withdrawn.")
    return reason_problem(reason.strip(), missing=_(
        "Say why the version is withdrawn; the reason stays on record beside it."))
