"""Small helpers shared by the feature forms."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextArea, GovTextInput
from wtforms import StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from peerreview.errors import Conflict, ValidationFailed
from peerreview.i18n import LANGUAGE_LABELS, TRANSLATION_LOCALES, translation_field_name


def apply_errors(form: FlaskForm, errors: dict[str, str]) -> None:
    """Show a service's ValidationFailed errors beside the matching fields."""
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
        else:
            form.form_errors.append(message)


@contextmanager
def refusals_shown_on(form: FlaskForm) -> Iterator[None]:
    """Run a service's save for a validated form; a refusal is shown on the form, nothing typed is lost:
    a ValidationFailed's reasons beside their fields, a Conflict (someone saved first, or the object's
    state no longer allows it) above the form. Saved when `form.errors` is empty afterwards."""
    try:
        yield
    except ValidationFailed as failed:
        apply_errors(form, failed.errors)
    except Conflict as conflict:
        form.form_errors.append(conflict.message)


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


# --- texts entered per language (peerreview/i18n.py) ----------------------------------------------------------

def add_translation_fields(form_class, fields: dict) -> None:
    """Give `form_class` a field per translated text and language: `name_fr`, labelled "Name (French)".

    `fields` maps a model field to (label, max_length, multiline).
    """
    for locale in TRANSLATION_LOCALES:
        for field, (label, max_length, multiline) in fields.items():
            kind, widget = (TextAreaField, GovTextArea()) if multiline else (StringField, GovTextInput())
            setattr(form_class, translation_field_name(field, locale),
                    kind(_l("%(field)s (%(language)s)", field=label, language=LANGUAGE_LABELS[locale]),
                         widget=widget, validators=[Length(max=max_length)]))
    form_class.translated_fields = tuple(fields)


def translations_from_form(form) -> dict:
    """What the per-language fields of `form` hold, as the `translations` column keeps it."""
    return {locale: {field: getattr(form, translation_field_name(field, locale)).data or ""
                     for field in form.translated_fields}
            for locale in TRANSLATION_LOCALES}


def fill_translations(form, translations: dict | None) -> None:
    """Put a model's stored translations into the per-language fields: all of them for a form not yet
    submitted, those the request left out for one submitted (as WTForms does with `obj`)."""
    submitted = form.is_submitted()
    for locale in TRANSLATION_LOCALES:
        texts = (translations or {}).get(locale) or {}
        for field in form.translated_fields:
            bound = getattr(form, translation_field_name(field, locale))
            if not submitted or not bound.raw_data:  # a field the request did not send keeps its text
                bound.data = texts.get(field, "")

