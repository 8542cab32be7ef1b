"""What the feedback and synthesis PDFs print, as plain dicts (no ORM objects in print templates),
and the same figures as CSV, attached inside each PDF.

Numbers are rounded once, here, with the one rule (peerreview.numbers.format_number); the CSV
keeps the exact submitted values. Ranks are left out: the PDFs may become public, and ranks
appear only in what the network's members read (the comparison and profile pages).

What others may see is decided in one place, `printable_values`: confidential values and values
without a number never reach a report (not even the organisation's own, as reports are published).
Flags print as Eurostat's symbols (e, p, b) with a legend; the delegations' explanations of
plausibility warnings and their comparability notes print as numbered notes. Organisations that
chose an anonymous code appear under it in every table, chart, text and data file of the report.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from flask_babel import _, format_date, format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from peerreview.charts import PAGE_HEIGHT, Bar, bar_chart
from peerreview.cycles.models import Cycle
from peerreview.db_types import utcnow
from peerreview.extensions import db
from peerreview.framework.breakdowns import TOTAL, breakdowns_for
from peerreview.framework.services import framework_areas, framework_indicators
from peerreview.i18n import translated_markup, translated_text
from peerreview.markdown import render_markdown
from peerreview.numbers import format_number
from peerreview.organisations.models import Organisation
from peerreview.organisations.services import organisations_by_id
from peerreview.reports.texts import codes_of_cycle, report_text
from peerreview.reviews.assessments import consolidated_assessment, consolidated_findings
from peerreview.reviews.models import ASSESSMENT_TEXTS
from peerreview.reviews.threads import threads_for_report
from peerreview.submissions.benchmarking import spread_of, spreads, values_others_may_see
from peerreview.submissions.flags import BREAK_IN_SERIES, ESTIMATED, PROVISIONAL
from peerreview.submissions.models import SUBMITTED, ComparabilityNote, IndicatorValue, Submission
from peerreview.submissions.narratives import submitted_narratives

DIRECTIONS = {"higher": _l("higher is better"), "lower": _l("lower is better"),
              "neutral": _l("neither higher nor lower is better")}
HEADLINE_CHARTS = 12
# Flags printed beside a value, as Eurostat prints them; the legend is in the method section.
FLAG_SYMBOLS = {ESTIMATED: "e", PROVISIONAL: "p", BREAK_IN_SERIES: "b"}
FLAG_LEGEND = [("e", _l("estimated")), ("p", _l("provisional")), ("b", _l("break in series")),
               ("–", _l("no value: not available, not applicable, confidential or not submitted"))]
NO_VALUE = "–"


class PrintValue(NamedTuple):
    value: Decimal
    flag: str
    explanation: str


def printable_values(cycle_id: int) -> dict[tuple[int, int, str, int], PrintValue]:
    """{(organisation, indicator, breakdown, year): PrintValue} of the submitted submissions, every
    breakdown and year in one query, through THE filter of what others may see
    (submissions.benchmarking.values_others_may_see): confidential values and values without a number
    are left out (and so out of every median, chart and data file)."""
    query = values_others_may_see(cycle_id, IndicatorValue.indicator_id, IndicatorValue.breakdown,
                                  IndicatorValue.year, IndicatorValue.value, IndicatorValue.flag,
                                  IndicatorValue.explanation)
    return {(org, ind, breakdown, year): PrintValue(Decimal(value), flag or "", explanation or "")
            for org, ind, breakdown, year, value, flag, explanation in db.session.execute(query)}


def _totals(values: dict) -> dict[tuple[int, int, int], Decimal]:
    return {(org, ind, year): v.value for (org, ind, breakdown, year), v in values.items() if breakdown == TOTAL.code}


def comparability_notes(cycle_id: int) -> dict[tuple[int, int], str]:
    """{(organisation, indicator): note} of the submitted submissions, in one query."""
    query = (select(Submission.organisation_id, ComparabilityNote.indicator_id, ComparabilityNote.body)
             .join(Submission, Submission.id == ComparabilityNote.submission_id)
             .where(Submission.cycle_id == cycle_id, Submission.status == SUBMITTED, ComparabilityNote.body != ""))
    return {(org, ind): body.strip() for org, ind, body in db.session.execute(query) if body.strip()}


@dataclass
class Notes:
    """Numbered notes of a report: each text once, numbered in order of first mention; `take()`
    gives the notes added since the last call, to print at the end of a section."""
    items: list[tuple[int, str]] = field(default_factory=list)
    _numbers: dict[str, int] = field(default_factory=dict)
    _taken: int = 0

    def ref(self, text: str) -> int:
        if text not in self._numbers:
            self._numbers[text] = len(self._numbers) + 1
            self.items.append((self._numbers[text], text))
        return self._numbers[text]

    def take(self) -> list[dict]:
        new = self.items[self._taken:]
        self._taken = len(self.items)
        return [{"number": n, "text": t} for n, t in new]


def _cell(value: PrintValue | None, decimals: int, notes: Notes, about: str) -> dict:
    """A printed value: rounded once, its flag as a symbol, its explanation as a note."""
    if value is None:
        return {"text": NO_VALUE, "flag": "", "notes": []}
    refs = [notes.ref(_("%(about)s: %(text)s", about=about, text=value.explanation))] if value.explanation else []
    return {"text": format_number(value.value, decimals), "flag": FLAG_SYMBOLS.get(value.flag, ""), "notes": refs}


class Names:
    """How organisations appear in a report: their name and country, or their anonymous code.
    `own` (the subject of a feedback report) always appears under its name."""

    def __init__(self, cycle_id: int, own: int | None = None):
        self.codes = codes_of_cycle(cycle_id)
        self.own = own

    def code(self, organisation_id: int) -> str:
        return "" if organisation_id == self.own else self.codes.get(organisation_id, "")

    def name(self, organisation: Organisation) -> str:
        return self.code(organisation.id) or organisation.name

    def country(self, organisation: Organisation) -> str:
        return "" if self.code(organisation.id) else organisation.country

    def sort_key(self, participant: tuple[Organisation, str]) -> tuple:
        """Named organisations by name, then the codes in their numeric order (PES 9 before PES 10)."""
        code = self.code(participant[0].id)
        return (bool(code), len(code), code or participant[0].name)

    def label(self, organisation: Organisation) -> str:
        return self.code(organisation.id) or f"{organisation.name} ({organisation.country})"


def _cover(cycle: Cycle, title: str, subtitle: str) -> dict:
    kickoff = ""
    if cycle.kickoff_start:
        kickoff = format_date(cycle.kickoff_start, "d MMMM y")
        if cycle.kickoff_end and cycle.kickoff_end != cycle.kickoff_start:
            kickoff = f"{format_date(cycle.kickoff_start, 'd')}–{format_date(cycle.kickoff_end, 'd MMMM y')}"
    return {
        "title": title,
        "subtitle": subtitle,
        "network": cycle.network.name,
        "cycle": translated_text(cycle, "title"),
        "theme": translated_text(cycle, "theme"),
        "host": cycle.host_organisation.name if cycle.host_organisation else "",
        "kickoff": f"{cycle.kickoff_place}, {kickoff}" if cycle.kickoff_place else kickoff,
        "years": f"{cycle.first_year}–{cycle.last_year}",
        "generated": format_datetime(utcnow(), "d MMMM y, HH:mm zzz"),
    }


def _meta(cycle: Cycle, subject: str, report_id: int | None) -> dict:
    """PDF metadata: author is the network; the keywords carry the report's id."""
    return {"author": cycle.network.name, "subject": subject,
            "keywords": ", ".join(k for k in (f"peerreview report {report_id}" if report_id else "",
                                              cycle.network.short_name, cycle.title) if k)}


def _texts(cycle: Cycle, subject_key: int) -> dict:
    """The executive summary and conclusions the secretariat wrote (sanitised HTML, "" if none)."""
    row = report_text(cycle.id, subject_key)
    return {"summary": render_markdown(row.summary) if row and row.summary else "",
            "conclusions": render_markdown(row.conclusions) if row and row.conclusions else ""}


def _shared_comments(cycle: Cycle, organisation_id: int | None = None, names: Names | None = None) -> list[dict]:
    """Shared threads (reviews.threads.threads_for_report: reviewer names hidden where the cycle
    says so), flattened with each reply right under what it answers (depth for the indent)."""
    flat = []
    for thread in threads_for_report(cycle.id, organisation_id, hide_reviewer_names=cycle.hide_reviewer_names):
        if names is not None and names.code(thread["organisation_id"]):
            thread = {**thread, "organisation": names.code(thread["organisation_id"])}
        flat.append({**thread, "depth": 0, "is_reply": False})
        flat.extend({**reply, "depth": 1, "is_reply": True} for reply in thread["replies"])
    return flat


def _definitions(indicators) -> list[dict]:
    # The definitions in the report's language; an original standing in for a missing translation is
    # marked "(en)" and tagged with its language (peerreview/i18n.py).
    return [{"code": i.code, "name": translated_markup(i, "name"), "unit": i.unit,
             "definition": translated_markup(i, "definition"),
             "direction": str(DIRECTIONS.get(i.direction, i.direction)), "decimals": i.decimals} for i in indicators]


def _legend() -> list[dict]:
    return [{"symbol": symbol, "meaning": str(meaning)} for symbol, meaning in FLAG_LEGEND]


def feedback_context(cycle: Cycle, organisation: Organisation, *, report_id: int | None = None) -> dict:
    indicators = framework_indicators(cycle.framework_id)
    printable = printable_values(cycle.id)
    values = _totals(printable)
    spread = spreads(values)
    comparability = comparability_notes(cycle.id)
    names = Names(cycle.id, own=organisation.id)
    notes = Notes()
    years = cycle.years
    rows = []
    for ind in indicators:
        medians = [spread[(ind.id, y)].median if (ind.id, y) in spread else None for y in years]
        note = comparability.get((organisation.id, ind.id))
        rows.append({
            "area": f"{ind.area.code} {translated_text(ind.area, 'name')}" if ind.area else "",
            "code": ind.code, "name": translated_text(ind, "name"), "unit": ind.unit, "direction": ind.direction,
            "notes": [notes.ref(_("%(ind)s, national definition: %(note)s", ind=ind.code, note=note))] if note else [],
            "cells": [{"year": y, "own": _cell(printable.get((organisation.id, ind.id, TOTAL.code, y)), ind.decimals,
                                               notes, f"{ind.code} {y}"),
                       "median": format_number(m, ind.decimals) if m is not None else NO_VALUE,
                       "n": spread[(ind.id, y)].n if (ind.id, y) in spread else 0}
                      for y, m in zip(years, medians, strict=True)],
        })
    indicator_notes = notes.take()
    charts = []
    last = years[-1]
    organisations = organisations_by_id(org for org, _i, _y in values)
    for ind in indicators[:HEADLINE_CHARTS]:  # the headline indicators as pictures; all are in the table
        items = [Bar(names.label(o), values.get((o_id, ind.id, last)), o_id == organisation.id)
                 for o_id, o in organisations.items()]
        m = spread.get((ind.id, last))
        title = f"{ind.code} {translated_text(ind, 'name')} ({last})"
        # A page at most: beyond what fits as bars, the same values become a strip chart in which
        # the reviewed organisation is always marked and named.
        charts.append({"title": title, "svg": bar_chart(items, title=title, median=m.median if m else None,
                                                         unit=ind.unit, decimals=ind.decimals,
                                                         direction=ind.direction, max_height=PAGE_HEIGHT,
                                                         quartiles=(m.q1, m.q3) if m else None)})
    texts = submitted_narratives(cycle.id, organisation.id)
    narratives = [{"area": f"{a.code} {translated_text(a, 'name')}", "html": render_markdown(texts[a.id].body)}
                  for a in framework_areas(cycle.framework_id) if a.id in texts and texts[a.id].body]
    submission_id = db.session.scalar(select(Submission.id).where(Submission.cycle_id == cycle.id,
                                                                  Submission.organisation_id == organisation.id))
    assessment = consolidated_assessment(submission_id) if submission_id else None
    return {
        "cover": _cover(cycle, _("Feedback report"), organisation.name),
        "meta": _meta(cycle, _("Feedback report for %(org)s in %(cycle)s", org=organisation.name,
                               cycle=translated_text(cycle, "title")), report_id),
        "organisation": organisation.name,
        "texts": _texts(cycle, organisation.id),
        "assessment": _sanitised_areas(assessment["areas"]) if assessment else [],
        "narratives": narratives,
        "definitions": _definitions(indicators),
        "legend": _legend(),
        "years": years,
        "rows": rows,
        "indicator_notes": indicator_notes,
        "charts": charts,
        "breakdowns": _breakdown_tables(cycle, organisation, indicators, printable),
        "comments": _shared_comments(cycle, organisation.id),
        "illustrative": cycle.illustrative_data,
    }


def _sanitised_areas(areas: list[dict]) -> list[dict]:
    """The consolidated assessment's texts as the sanitised HTML the templates print."""
    return [{**a, **{f"{t}_html": render_markdown(a[t]) for t in ASSESSMENT_TEXTS}} for a in areas]


def _breakdown_tables(cycle: Cycle, organisation: Organisation, indicators, printable) -> list[dict]:
    """Per indicator collected by sex or age group: the organisation beside the network's median
    in each group, last reference year."""
    year = cycle.last_year
    by_cell: dict[tuple[int, str], list[Decimal]] = defaultdict(list)
    for (_org, ind, code, y), value in printable.items():
        if y == year and code != TOTAL.code:
            by_cell[(ind, code)].append(value.value)
    tables = []
    for ind in indicators:
        groups = breakdowns_for(ind.dimensions)[1:]
        if not groups:
            continue
        rows = []
        for group in groups:
            spread = spread_of(by_cell.get((ind.id, group.code), []))
            own = printable.get((organisation.id, ind.id, group.code, year))
            rows.append({"label": str(group.label), "own": format_number(own.value, ind.decimals) if own else NO_VALUE,
                         "flag": FLAG_SYMBOLS.get(own.flag, "") if own else "",
                         "median": format_number(spread.median, ind.decimals) if spread else NO_VALUE,
                         "n": spread.n if spread else 0})
        if any(r["own"] != NO_VALUE or r["n"] for r in rows):
            tables.append({"code": ind.code, "name": translated_text(ind, "name"), "unit": ind.unit, "year": year,
                           "rows": rows})
    return tables


def _participants(cycle: Cycle) -> list[tuple[Organisation, str]]:
    return list(db.session.execute(
        select(Organisation, Submission.status).join(Submission, Submission.organisation_id == Organisation.id)
        .where(Submission.cycle_id == cycle.id).order_by(Organisation.name)).all())


def _network_findings(cycle: Cycle, names: Names, organisations: dict[int, Organisation]) -> list[dict]:
    """Per excellence area, the good practices and recommendations of the consolidated reviews."""
    areas: dict[str, dict] = {}
    for f in consolidated_findings(cycle.id):
        if not (f["good_practices"].strip() or f["recommendations"].strip()):
            continue
        area = areas.setdefault(f["code"], {"area": f"{f['code']} {f['name']}", "items": []})
        area["items"].append({"organisation": names.name(organisations[f["organisation_id"]]),
                              "good_practices": render_markdown(f["good_practices"]) if f["good_practices"].strip()
                              else "",
                              "recommendations": render_markdown(f["recommendations"]) if f["recommendations"].strip()
                              else ""})
    return list(areas.values())


def synthesis_context(cycle: Cycle, *, report_id: int | None = None) -> dict:
    indicators = framework_indicators(cycle.framework_id)
    printable = printable_values(cycle.id)
    values = _totals(printable)
    spread = spreads(values)
    comparability = comparability_notes(cycle.id)
    names = Names(cycle.id)
    notes = Notes()
    participants = _participants(cycle)
    # Named ones by name, then the codes in their order: the list gives away no one's code.
    participants.sort(key=names.sort_key)
    submitted = [org for org, status in participants if status == SUBMITTED]
    last = cycle.last_year
    rows, per_indicator = [], []
    for ind in indicators:
        cells = []
        for y in cycle.years:
            s = spread.get((ind.id, y))
            cells.append({"year": y, "n": s.n if s else 0,
                          "median": format_number(s.median, ind.decimals) if s else NO_VALUE,
                          "low": format_number(s.low, ind.decimals) if s else NO_VALUE,
                          "high": format_number(s.high, ind.decimals) if s else NO_VALUE})
        rows.append({"code": ind.code, "name": translated_text(ind, "name"), "unit": ind.unit, "cells": cells,
                     "area": f"{ind.area.code} {translated_text(ind.area, 'name')}" if ind.area else ""})
        title = f"{ind.code} {translated_text(ind, 'name')} ({last})"
        s = spread.get((ind.id, last))
        table = []
        for o in submitted:
            note = comparability.get((o.id, ind.id))
            label = names.name(o)
            table.append({
                "name": label, "country": names.country(o),
                "notes": [notes.ref(_("%(org)s, national definition: %(note)s", org=label, note=note))] if note else [],
                "values": [_cell(printable.get((o.id, ind.id, TOTAL.code, y)), ind.decimals, notes, f"{label}, {y}")
                           for y in cycle.years]})
        per_indicator.append({
            "code": ind.code, "name": translated_text(ind, "name"), "unit": ind.unit, "title": title,
            "chart": bar_chart([Bar(names.label(o), values.get((o.id, ind.id, last))) for o in submitted],
                               title=title, median=s.median if s else None, unit=ind.unit, decimals=ind.decimals,
                               direction=ind.direction, max_height=PAGE_HEIGHT,
                               quartiles=(s.q1, s.q3) if s else None, value_labels=False),  # the table has them
            "table": table, "notes": notes.take(),
        })
    organisations = {o.id: o for o, _status in participants}
    return {
        # The cover names the network above the title: the subtitle is the cycle, not the network again.
        "cover": _cover(cycle, _("Synthesis report"), translated_text(cycle, "title")),
        "meta": _meta(cycle, _("Synthesis report of %(cycle)s", cycle=translated_text(cycle, "title")), report_id),
        "texts": _texts(cycle, 0),
        "participants": [{"name": names.name(o), "country": names.country(o), "submitted": status == SUBMITTED}
                         for o, status in participants],
        "definitions": _definitions(indicators),
        "legend": _legend(),
        "years": cycle.years,
        "rows": rows,
        "indicators": per_indicator,
        "findings": _network_findings(cycle, names, organisations),
        "comments": [c for c in _shared_comments(cycle, names=names) if not c["is_reply"]],
        "illustrative": cycle.illustrative_data,
    }


def _csv(header: list[str], lines) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(lines)
    return out.getvalue().encode("utf-8")


def _plain(value) -> str:
    return "" if value is None else format(value.normalize(), "f")


def feedback_csv(cycle: Cycle, organisation: Organisation) -> bytes:
    """The organisation's printable totals beside the network's median and n, exact values."""
    printable = printable_values(cycle.id)
    spread = spreads(_totals(printable))
    lines = []
    for ind in framework_indicators(cycle.framework_id):
        for y in cycle.years:
            s = spread.get((ind.id, y))
            own = printable.get((organisation.id, ind.id, TOTAL.code, y))
            lines.append([ind.code, translated_text(ind, "name"), ind.unit, y, _plain(own.value) if own else "",
                          FLAG_SYMBOLS.get(own.flag, "") if own else "", _plain(s.median) if s else "",
                          s.n if s else 0])
    return _csv(["indicator", "name", "unit", "year", "value", "flag", "network_median", "n"], lines)


def synthesis_csv(cycle: Cycle) -> bytes:
    """Every printable total of the cycle, exact values, under the names or codes the report uses."""
    printable = printable_values(cycle.id)
    indicators = {i.id: i for i in framework_indicators(cycle.framework_id)}
    organisations = organisations_by_id(org for org, _i, _b, _y in printable)
    names = Names(cycle.id)
    lines = sorted([names.name(organisations[org]), names.country(organisations[org]), indicators[ind].code, year,
                    _plain(v.value), FLAG_SYMBOLS.get(v.flag, "")]
                   for (org, ind, breakdown, year), v in printable.items()
                   if ind in indicators and breakdown == TOTAL.code)
    return _csv(["organisation", "country", "indicator", "year", "value", "flag"], lines)
