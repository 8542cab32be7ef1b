"""The three languages: which exist, what each is called, and texts the secretariat enters per language.

Messages of the application are translated by the catalogues (translations/, Flask-Babel). Texts that
the secretariat writes (indicator names and definitions, excellence areas, frameworks, cycle titles and
themes) are written once in the network's working language, English, the *original*, and may be given in
French and Spanish too: each such model has a JSON column `translations`,
`{"fr": {"name": "...", "definition": "..."}, "es": {...}}`, loaded with its row (no extra query).
`translated()` answers the text for a locale, or the original marked as a fallback when it is missing.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import current_app, has_app_context
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

#: The language of the originals the secretariat enters, and of everything when nothing else is chosen.
SOURCE_LOCALE = "en"
#: Every language of the application (config LANGUAGES may narrow it, never widen it).
LOCALES = ("en", "fr", "es")
#: The languages a text of the secretariat can be translated into.
TRANSLATION_LOCALES = tuple(locale for locale in LOCALES if locale != SOURCE_LOCALE)
#: Each language named in itself: the language switcher offers them so.
NATIVE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}
#: Each language named in the reader's language: form labels ("Name (French)").
LANGUAGE_LABELS = {"en": _l("English"), "fr": _l("French"), "es": _l("Spanish")}


def supported(locale: str | None) -> str | None:
    """`locale` when the application offers it, else None."""
    if not locale:
        return None
    languages = current_app.config.get("LANGUAGES", LOCALES) if has_app_context() else LOCALES
    return locale if locale in languages and locale in LOCALES else None


def current() -> str:
    return str(get_locale() or SOURCE_LOCALE)


def in_locale(locale: str | None):
    """A context in which messages, numbers and dates are in `locale` (the default language when
    None): for mails to a person, and for reports in their cycle's language."""
    return force_locale(supported(locale) or SOURCE_LOCALE)


def translated(obj, field: str, locale: str | None = None) -> tuple[str, bool]:
    """The text of `obj.field` in `locale` (the current one by default), and whether it is the
    original standing in for a missing translation."""
    original = getattr(obj, field, None) or ""
    locale = locale or current()
    if locale == SOURCE_LOCALE:
        return original, False
    texts = (getattr(obj, "translations", None) or {}).get(locale)
    text = texts.get(field) if isinstance(texts, dict) else None
    if isinstance(text, str) and text.strip():
        return text, False
    return original, bool(original)


def translated_text(obj, field: str, locale: str | None = None) -> str:
    """The text alone (for attributes, file names, mail subjects): the translation or the original."""
    return translated(obj, field, locale)[0]


def translated_markup(obj, field: str, locale: str | None = None) -> Markup:
    """The text for a page: a missing translation shows the original in its language, marked as such."""
    text, fallback = translated(obj, field, locale)
    if not fallback:
        return escape(text)
    return Markup('<span lang="{lang}" class="pr-untranslated" title="{title}">{text}'
                  ' <span class="pr-untranslated__mark">({lang})</span></span>').format(
        lang=SOURCE_LOCALE, title=_l("Not yet translated"), text=text)


def clean_translations(translations: Mapping | None, fields: Iterable[str]) -> dict:
    """Translations as stored: only known languages and fields, stripped, without empty texts."""
    fields = tuple(fields)
    cleaned: dict[str, dict[str, str]] = {}
    for locale in TRANSLATION_LOCALES:
        texts = (translations or {}).get(locale) or {}
        kept = {field: str(texts[field]).strip() for field in fields if str(texts.get(field) or "").strip()}
        if kept:
            cleaned[locale] = kept
    return cleaned


def translation_field_name(field: str, locale: str) -> str:
    return f"{field}_{locale}"


def _field_groups(form) -> list[tuple[str, list]]:
    """The per-language fields of a form grouped by language, for the templates: [("fr", [field, ...])]."""
    return [(locale, [getattr(form, translation_field_name(field, locale)) for field in form.translated_fields])
            for locale in TRANSLATION_LOCALES]


def register(app) -> None:
    app.add_template_filter(translated_markup, "tr")
    app.add_template_filter(translated_text, "tr_text")
    app.add_template_global(translated, "translated")
    app.add_template_global(NATIVE_NAMES, "LANGUAGE_NATIVE_NAMES")
    app.add_template_global(_field_groups, "translation_field_groups")

    @app.context_processor
    def languages():
        return {"languages": [code for code in app.config.get("LANGUAGES", LOCALES) if code in LOCALES]}
