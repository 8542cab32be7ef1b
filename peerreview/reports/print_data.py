"""What the feedback and synthesis PDFs print, as plain dicts (no ORM objects in print templates),
and the same figures as CSV, attached inside each PDF.

Numbers are rounded once, here, with the one rule (peerreview.numbers.format_number); the CSV
keeps the exact submitted values. Ranks are left out: the PDFs may become public, and ranks
appear only in what the network's members read (the comparison and profile pages).
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal

from flask_babel import _, format_date, format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from peerreview.charts import PAGE_HEIGHT, Bar, bar_chart
from peerreview.cycles.models import Cycle
from peerreview.db_types import utcnow
from peerreview.extensions import db
from peerreview.framework.breakdowns import breakdowns_for
from peerreview.framework.services import framework_areas, framework_indicators
from peerreview.markdown import render_markdown
from peerreview.numbers import format_number
from peerreview.organisations.models import Organisation
from peerreview.organisations.services import organisations_by_id
from peerreview.reviews.threads import threads_for_report
from peerreview.submissions.benchmarking import breakdown_values, spread_of, spreads, total_values
from peerreview.submissions.models import SUBMITTED, Submission
from peerreview.submissions.narratives import submitted_narratives

DIRECTIONS = {"higher": _l("higher is better"), "lower": _l("lower is better"),
              "neutral": _l("neither higher nor lower is better")}
HEADLINE_CHARTS = 12


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
        "cycle": cycle.title,
        "theme": cycle.theme,
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


def _shared_comments(cycle: Cycle, organisation_id: int | None = None) -> list[dict]:
    """Shared threads (reviews.threads.threads_for_report: reviewer names hidden where the cycle
    says so), flattened with each reply right under what it answers (depth for the indent)."""
    flat = []
    for thread in threads_for_report(cycle.id, organisation_id, hide_reviewer_names=cycle.hide_reviewer_names):
        flat.append({**thread, "depth": 0, "is_reply": False})
        flat.extend({**reply, "depth": 1, "is_reply": True} for reply in thread["replies"])
    return flat


def _definitions(indicators) -> list[dict]:
    return [{"code": i.code, "name": i.name, "unit": i.unit, "definition": i.definition,
             "direction": str(DIRECTIONS.get(i.direction, i.direction)), "decimals": i.decimals} for i in indicators]


def feedback_context(cycle: Cycle, organisation: Organisation, *, report_id: int | None = None) -> dict:
    indicators = framework_indicators(cycle.framework_id)
    values = total_values(cycle.id)
    spread = spreads(values)
    years = cycle.years
    rows = []
    for ind in indicators:
        own = [values.get((organisation.id, ind.id, y)) for y in years]
        medians = [spread[(ind.id, y)].median if (ind.id, y) in spread else None for y in years]
        rows.append({
            "area": f"{ind.area.code} {ind.area.name}" if ind.area else "",
            "code": ind.code, "name": ind.name, "unit": ind.unit, "direction": ind.direction,
            "cells": [{"year": y, "own": format_number(o, ind.decimals) if o is not None else "–",
                       "median": format_number(m, ind.decimals) if m is not None else "–",
                       "n": spread[(ind.id, y)].n if (ind.id, y) in spread else 0}
                      for y, o, m in zip(years, own, medians, strict=True)],
        })
    charts = []
    last = years[-1]
    organisations = organisations_by_id(org for org, _i, _y in values)
    for ind in indicators[:HEADLINE_CHARTS]:  # the headline indicators as pictures; all are in the table
        items = [Bar(f"{o.name} ({o.country})", values.get((o_id, ind.id, last)), o_id == organisation.id)
                 for o_id, o in organisations.items()]
        m = spread.get((ind.id, last))
        title = f"{ind.code} {ind.name} ({last})"
        # A page at most: beyond what fits as bars, the same values become a strip chart in which
        # the reviewed organisation is always marked and named.
        charts.append({"title": title, "svg": bar_chart(items, title=title, median=m.median if m else None,
                                                         unit=ind.unit, decimals=ind.decimals,
                                                         direction=ind.direction, max_height=PAGE_HEIGHT,
                                                         quartiles=(m.q1, m.q3) if m else None)})
    texts = submitted_narratives(cycle.id, organisation.id)
    narratives = [{"area": f"{a.code} {a.name}", "html": render_markdown(texts[a.id].body)}
                  for a in framework_areas(cycle.framework_id) if a.id in texts and texts[a.id].body]
    return {
        "cover": _cover(cycle, _("Feedback report"), organisation.name),
        "meta": _meta(cycle, _("Feedback report for %(org)s in %(cycle)s", org=organisation.name,
                               cycle=cycle.title), report_id),
        "organisation": organisation.name,
        "narratives": narratives,
        "definitions": _definitions(indicators),
        "years": years,
        "rows": rows,
        "charts": charts,
        "breakdowns": _breakdown_tables(cycle, organisation, indicators),
        "comments": _shared_comments(cycle, organisation.id),
        "illustrative": cycle.illustrative_data,
    }


def _breakdown_tables(cycle: Cycle, organisation: Organisation, indicators) -> list[dict]:
    """Per indicator collected by sex or age group: the organisation beside the network's median
    in each group, last reference year."""
    year = cycle.last_year
    values = breakdown_values(cycle.id, year)
    by_cell: dict[tuple[int, str], list[Decimal]] = defaultdict(list)
    for (_org, ind, code), value in values.items():
        by_cell[(ind, code)].append(value)
    tables = []
    for ind in indicators:
        groups = breakdowns_for(ind.dimensions)[1:]
        if not groups:
            continue
        rows = []
        for group in groups:
            spread = spread_of(by_cell.get((ind.id, group.code), []))
            own = values.get((organisation.id, ind.id, group.code))
            rows.append({"label": str(group.label), "own": format_number(own, ind.decimals) or "–",
                         "median": format_number(spread.median, ind.decimals) if spread else "–",
                         "n": spread.n if spread else 0})
        if any(r["own"] != "–" or r["n"] for r in rows):
            tables.append({"code": ind.code, "name": ind.name, "unit": ind.unit, "year": year, "rows": rows})
    return tables


def _participants(cycle: Cycle) -> list[tuple[Organisation, str]]:
    return list(db.session.execute(
        select(Organisation, Submission.status).join(Submission, Submission.organisation_id == Organisation.id)
        .where(Submission.cycle_id == cycle.id).order_by(Organisation.name)).all())


def synthesis_context(cycle: Cycle, *, report_id: int | None = None) -> dict:
    indicators = framework_indicators(cycle.framework_id)
    values = total_values(cycle.id)
    spread = spreads(values)
    participants = _participants(cycle)
    submitted = [org for org, status in participants if status == SUBMITTED]
    last = cycle.last_year
    rows, per_indicator = [], []
    for ind in indicators:
        cells = []
        for y in cycle.years:
            s = spread.get((ind.id, y))
            cells.append({"year": y, "n": s.n if s else 0,
                          "median": format_number(s.median, ind.decimals) if s else "–",
                          "low": format_number(s.low, ind.decimals) if s else "–",
                          "high": format_number(s.high, ind.decimals) if s else "–"})
        rows.append({"code": ind.code, "name": ind.name, "unit": ind.unit, "cells": cells,
                     "area": f"{ind.area.code} {ind.area.name}" if ind.area else ""})
        title = f"{ind.code} {ind.name} ({last})"
        s = spread.get((ind.id, last))
        per_indicator.append({
            "code": ind.code, "name": ind.name, "unit": ind.unit, "title": title,
            "chart": bar_chart([Bar(f"{o.name} ({o.country})", values.get((o.id, ind.id, last))) for o in submitted],
                               title=title, median=s.median if s else None, unit=ind.unit, decimals=ind.decimals,
                               direction=ind.direction, max_height=PAGE_HEIGHT,
                               quartiles=(s.q1, s.q3) if s else None),
            "table": [{"name": o.name, "country": o.country,
                       "values": [format_number(values.get((o.id, ind.id, y)), ind.decimals) or "–"
                                  for y in cycle.years]} for o in submitted],
        })
    return {
        # The cover names the network above the title: the subtitle is the cycle, not the network again.
        "cover": _cover(cycle, _("Synthesis report"), cycle.title),
        "meta": _meta(cycle, _("Synthesis report of %(cycle)s", cycle=cycle.title), report_id),
        "participants": [{"name": o.name, "country": o.country, "submitted": status == SUBMITTED}
                         for o, status in participants],
        "definitions": _definitions(indicators),
        "years": cycle.years,
        "rows": rows,
        "indicators": per_indicator,
        "comments": [c for c in _shared_comments(cycle) if not c["is_reply"]],
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
    """The organisation's submitted totals beside the network's median and n, exact values."""
    values = total_values(cycle.id)
    spread = spreads(values)
    lines = []
    for ind in framework_indicators(cycle.framework_id):
        for y in cycle.years:
            s = spread.get((ind.id, y))
            lines.append([ind.code, ind.name, ind.unit, y, _plain(values.get((organisation.id, ind.id, y))),
                          _plain(s.median) if s else "", s.n if s else 0])
    return _csv(["indicator", "name", "unit", "year", "value", "network_median", "n"], lines)


def synthesis_csv(cycle: Cycle) -> bytes:
    """Every submitted total of the cycle, exact values."""
    values = total_values(cycle.id)
    indicators = {i.id: i for i in framework_indicators(cycle.framework_id)}
    organisations = organisations_by_id(org for org, _i, _y in values)
    lines = sorted([organisations[org].name, organisations[org].country, indicators[ind].code, year, _plain(value)]
                   for (org, ind, year), value in values.items() if ind in indicators)
    return _csv(["organisation", "country", "indicator", "year", "value"], lines)
