"""What the API's resources look like: plain dicts that follow schemas.SCHEMAS (the tests check it)."""
from __future__ import annotations

from flask import url_for

from peerreview.cycles.models import Cycle
from peerreview.framework.models import Framework, Indicator
from peerreview.i18n import clean_translations
from peerreview.numbers import format_plain
from peerreview.reports.models import VERSION_WITHDRAWN, ReportVersion
from peerreview.submissions.flags import CONFIDENTIAL


def dt(value) -> str | None:
    return value.isoformat() if value is not None else None


def network(network) -> dict:
    return {"id": network.id, "name": network.name, "short_name": network.short_name}


def organisation(org) -> dict:
    return {"id": org.id, "name": org.name, "short_name": org.short_name, "country": org.country}


def framework(framework: Framework) -> dict:
    return {"id": framework.id, "name": framework.name, "description": framework.description or "",
            "translations": clean_translations(framework.translations, ("name", "description")),
            "network": network(framework.network),
            "areas": [{"code": a.code, "name": a.name, "translations": clean_translations(a.translations, ("name",))}
                      for a in framework.areas]}


def indicator(indicator: Indicator) -> dict:
    return {"id": indicator.id, "code": indicator.code, "name": indicator.name,
            "definition": indicator.definition or "",
            "translations": clean_translations(indicator.translations, ("name", "definition")),
            "unit": indicator.unit, "direction": indicator.direction,
            "decimals": indicator.decimals,
            "min_value": format_plain(indicator.min_value) if indicator.min_value is not None else None,
            "max_value": format_plain(indicator.max_value) if indicator.max_value is not None else None,
            "area": indicator.area.code if indicator.area else None,
            "breakdowns": [{"code": b.code, "dimension": b.dimension, "label": str(b.label)}
                           for b in indicator.breakdowns]}


def cycle(cycle: Cycle) -> dict:
    return {"id": cycle.id, "title": cycle.title, "theme": cycle.theme or "", "network": network(cycle.network),
            "framework_id": cycle.framework_id, "status": cycle.status, "first_year": cycle.first_year,
            "last_year": cycle.last_year,
            "submission_deadline": dt(cycle.submission_deadline), "review_deadline": dt(cycle.review_deadline),
            "reporting_deadline": dt(cycle.reporting_deadline), "illustrative_data": bool(cycle.illustrative_data)}


def value(code: str, row, *, hide_confidential: bool = False) -> dict:
    """A stored cell; one flagged confidential, for a reader who may not see it, without value or note."""
    hidden = hide_confidential and row.flag == CONFIDENTIAL
    return {"indicator": code, "indicator_id": row.indicator_id, "breakdown": row.breakdown, "year": row.year,
            "value": format_plain(row.value) if row.value is not None and not hidden else None,
            "flag": row.flag or "", "note": "" if hidden else row.note or "", "version": row.version,
            "updated_at": dt(row.updated_at)}


def report_version(version: ReportVersion) -> dict:
    report = version.report
    return {"id": version.id, "report_id": report.id, "cycle_id": report.cycle_id, "kind": report.kind,
            "title": report.title,
            "organisation": organisation(report.organisation) if report.organisation else None,
            "tier": report.tier, "number": version.number, "state": version.state,
            "state_reason": version.state_reason or "", "correction_reason": version.correction_reason or "",
            "sha256": version.sha256, "size": version.size, "published_at": dt(version.published_at),
            "pdf": url_for("api.report_pdf", version_id=version.id) if version.state != VERSION_WITHDRAWN else None}
