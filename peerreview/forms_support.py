"""Small helpers shared by the feature forms."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice


def apply_errors(form: FlaskForm, errors: dict[str, str]) -> None:
    """Show a service's ValidationFailed errors beside the matching fields."""
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
        else:
            form.form_errors.append(message)


MAX_ID = 2**31 - 1  # the largest primary key both databases store in an INTEGER


def to_id(value) -> int:
    """A database id from request text; 0 for anything that cannot be one."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return 0
    return number if 0 < number <= MAX_ID else 0


def safe_next(target: str | None) -> str | None:
    """Only local paths are followed after login (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def choices(pairs) -> list:
    """(value, label) pairs as WTForms SelectChoice objects (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]
