"""Globals and filters the templates use."""
from __future__ import annotations

import json
from datetime import date, datetime

from babel.dates import format_datetime as babel_format_datetime
from flask import Flask, get_template_attribute
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user
from govuk_frontend_wtf.main import WTFormsHelpers
from markupsafe import Markup

from peerreview.cycles.models import PHASE_LABELS
from peerreview.framework.breakdowns import BY_CODE
from peerreview.markdown import render_markdown
from peerreview.numbers import format_number, format_plain, range_in_words
from peerreview.permissions import Action, can
from peerreview.submissions.flags import flag_label


def _datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_datetime(value, "d MMM y, HH:mm zzz")  # always with the time zone


def _in_zone(value: datetime | None, zone) -> str:
    """A moment in the given zone (a deadline shown in the viewer's zone), with the zone's name."""
    if value is None:
        return ""
    return babel_format_datetime(value, "d MMM y, HH:mm zzzz", tzinfo=zone, locale=str(get_locale() or "en"))


def _date(value: date | None) -> str:
    return format_date(value, "d MMM y") if value else ""


def _can(action: Action, obj=None) -> bool:
    return can(current_user, action, obj)


def error_list(errors: dict[str, str], labels: dict[str, str] | None = None) -> list[dict]:
    """Error-summary items for errors keyed by field id: each links to its field."""
    labels = labels or {}
    items = []
    for key, message in errors.items():
        label = labels.get(key)
        items.append({"text": f"{label}: {message}" if label else message, "href": f"#{key}"})
    return items


_MACRO_HTML: dict[str, Markup] = {}


def govuk_once(component: str, macro: str, params: dict) -> Markup:
    """A GOV.UK Frontend macro's HTML for exactly these params, rendered once per process.

    For the chrome of every page (skip link, service navigation): the macros are pure functions of
    their params and cost a few milliseconds per call, which the pages read by many cannot afford.
    """
    key = json.dumps([component, macro, params], sort_keys=True, default=str)
    html = _MACRO_HTML.get(key)
    if html is None:
        template = f"govuk_frontend_jinja/components/{component}/macro.html"
        html = Markup(get_template_attribute(template, macro)(params))  # noqa: S704 (a macro of an autoescaped template)
        if len(_MACRO_HTML) < 2000:  # a few variants per role, page group and locale
            _MACRO_HTML[key] = html
    return html


def register(app: Flask) -> None:
    WTFormsHelpers(app)
    app.add_template_global(_can, "can")
    app.add_template_global(Action, "Action")
    app.add_template_global(PHASE_LABELS, "PHASE_LABELS")
    app.add_template_global(BY_CODE, "BREAKDOWNS")
    app.add_template_global(error_list, "error_list")
    app.add_template_global(govuk_once, "govuk_once")
    app.add_template_global(lambda: str(get_locale() or "en"), "current_locale")
    app.add_template_filter(_datetime, "datetime")
    app.add_template_filter(_date, "date")
    app.add_template_filter(_in_zone, "in_zone")
    app.add_template_filter(format_plain, "plain")
    app.add_template_filter(format_number, "number")
    app.add_template_global(range_in_words, "range_in_words")
    app.add_template_global(flag_label, "flag_label")
    app.add_template_filter(render_markdown, "markdown")
