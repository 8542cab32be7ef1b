"""Submissions: invitations, the value grid, saving drafts, submitting and returning."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import _
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from peerreview.audit.services import record
from peerreview.auth.models import ROLE_DELEGATE, ROLE_SECRETARIAT
from peerreview.auth.services import role_holders
from peerreview.cycles.models import DRAFT as CYCLE_DRAFT
from peerreview.cycles.models import OPEN, PHASE_LABELS, Cycle
from peerreview.db_types import utcnow
from peerreview.errors import Conflict, NotFound, ValidationFailed, refuse_simultaneous_change
from peerreview.extensions import db
from peerreview.framework.models import Indicator
from peerreview.framework.services import framework_indicators
from peerreview.mail.services import external_url, send_mail
from peerreview.numbers import ValueProblem, format_plain, parse_indicator_value
from peerreview.organisations.models import Organisation, network_membership
from peerreview.permissions import Action, require, scope
from peerreview.queries import count_per
from peerreview.submissions.models import DRAFT, SUBMITTED, IndicatorValue, Submission


def cell_name(indicator_id: int, breakdown: str, year: int) -> str:
    """The form field name of one value: v-<indicator>-<breakdown>-<year>."""
    return f"v-{indicator_id}-{breakdown}-{year}"


def cell_labels(indicators: list[Indicator], years: list[int]) -> dict[str, str]:
    """Readable names of the grid's cells: "1a Women 2024"."""
    return {cell_name(i.id, b.code, y): f"{i.code} {b.label} {y}" for i in indicators for b in i.breakdowns
            for y in years}


def get_submission(actor, submission_id: int, action: Action = Action.VIEW_SUBMISSION) -> Submission:
    submission = db.session.get(Submission, submission_id, options=[
        selectinload(Submission.cycle), selectinload(Submission.organisation)])
    if submission is None:
        raise NotFound(_("No such submission."))
    require(actor, action, submission)
    return submission


def _cycle_submissions_query(cycle_id: int):
    return (select(Submission).where(Submission.cycle_id == cycle_id)
            .options(selectinload(Submission.organisation), selectinload(Submission.submitted_by))
            .join(Submission.organisation).order_by(Organisation.name))


def cycle_submissions(cycle_id: int) -> list[Submission]:
    return list(db.session.scalars(_cycle_submissions_query(cycle_id)))


def visible_submissions(actor, cycle_id: int) -> list[Submission]:
    """The submissions of a cycle this user may open, in one query whatever their number."""
    query = _cycle_submissions_query(cycle_id).where(scope(actor, Action.VIEW_SUBMISSION))
    return list(db.session.scalars(query))


def submissions_for_delegate(actor) -> list[Submission]:
    """The submissions of the delegate's organisation, in the networks where they are a delegate."""
    query = (select(Submission).where(Submission.organisation_id == actor.organisation_id,
                                      scope(actor, Action.VIEW_SUBMISSION))
             .options(selectinload(Submission.cycle), selectinload(Submission.organisation)))
    return list(db.session.scalars(query))


def value_map(submission_id: int) -> dict[tuple[int, str, int], IndicatorValue]:
    rows = db.session.scalars(select(IndicatorValue).where(IndicatorValue.submission_id == submission_id))
    return {(v.indicator_id, v.breakdown, v.year): v for v in rows}


def edit_problem(submission: Submission) -> str | None:
    """Why the delegation cannot change values now (who locked it, why, how to unlock)."""
    cycle = submission.cycle
    if submission.status == SUBMITTED:
        who = submission.submitted_by.name if submission.submitted_by else _("your delegation")
        return _("Submitted by %(who)s on %(when)s UTC, so the values are read-only. To change them, "
                 "ask the network secretariat to return the submission to your delegation.",
                 who=who, when=submission.submitted_at.strftime("%d %b %Y %H:%M"))
    if cycle.status != OPEN:
        return _("The cycle is %(phase)s; values can be changed only while it is open for submissions. "
                 "The network secretariat decides when the cycle opens.", phase=PHASE_LABELS[cycle.status])
    return None


def _saved_meanwhile(submission: Submission) -> Conflict:
    """Someone saved (or submitted) the submission after this user opened it: who, when, what now."""
    problem = edit_problem(submission)
    if problem:
        return Conflict(problem)
    who = submission.last_saved_by.name if submission.last_saved_by else _("someone")
    return Conflict(_("%(who)s saved this submission at %(when)s UTC, after you opened it. Your entries "
                      "were not saved; they are still in the form. Check them against the current "
                      "values and save again.", who=who,
                      when=submission.last_saved_at.strftime("%d %b %Y %H:%M") if submission.last_saved_at else ""))


@dataclass
class SaveResult:
    saved: int = 0
    cleared: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    error_labels: dict[str, str] = field(default_factory=dict)


def save_values(actor, submission: Submission, raw: dict[str, str], *, expected_version: int | None,
                indicators: list[Indicator] | None = None, action: Action = Action.EDIT_SUBMISSION) -> SaveResult:
    """Save every valid value of the grid; report every invalid one with its cell.

    Cells absent from `raw` are left alone; cells sent empty are cleared. A save
    based on an older version of the submission is refused as a whole so that
    two people never silently overwrite each other. `action`: EXCHANGE_VALUES when the
    secretariat uploads on the delegation's behalf (value_files.py).
    """
    require(actor, action, submission)
    problem = edit_problem(submission)
    if problem:
        raise Conflict(problem)
    if expected_version is not None and expected_version != submission.version:
        raise _saved_meanwhile(submission)
    if indicators is None:
        indicators = framework_indicators(submission.cycle.framework_id)
    existing = value_map(submission.id)
    result = SaveResult()
    now = utcnow()
    new_rows: list[dict] = []
    to_clear: list[int] = []
    changes: list[dict] = []
    for indicator in indicators:
        for breakdown in indicator.breakdowns:
            for year in submission.cycle.years:
                name = cell_name(indicator.id, breakdown.code, year)
                if name not in raw:
                    continue
                try:
                    value = parse_indicator_value(raw[name], indicator)
                except ValueProblem as problem:
                    result.errors[name] = str(problem)
                    result.error_labels[name] = f"{indicator.code} {breakdown.label} {year}"
                    continue
                current = existing.get((indicator.id, breakdown.code, year))
                if value is None:
                    if current is not None:
                        to_clear.append(current.id)
                        changes.append({"cell": name, "before": format_plain(current.value), "after": None})
                    continue
                if current is None:
                    new_rows.append({"submission_id": submission.id, "indicator_id": indicator.id,
                                     "breakdown": breakdown.code, "year": year, "value": value,
                                     "note": "", "updated_at": now, "updated_by_id": actor.id})
                    changes.append({"cell": name, "before": None, "after": format_plain(value)})
                elif Decimal(current.value) != value:
                    changes.append({"cell": name, "before": format_plain(current.value),
                                    "after": format_plain(value)})
                    current.value = value
                    current.updated_at = now
                    current.updated_by_id = actor.id
                    result.saved += 1
    # A simultaneous save of the same version loses here: its new cells hit the unique constraint,
    # or its version bump finds the version already moved on.
    with refuse_simultaneous_change(explain=lambda: _saved_meanwhile(submission)):
        if new_rows:
            db.session.execute(IndicatorValue.__table__.insert(), new_rows)  # one bulk INSERT
            result.saved += len(new_rows)
        if to_clear:
            db.session.execute(delete(IndicatorValue).where(IndicatorValue.id.in_(to_clear)))
            result.cleared = len(to_clear)
        if changes:
            submission.last_saved_at = now
            submission.last_saved_by_id = actor.id
            record(actor, "submission.values", submission,
                   before={c["cell"]: c["before"] for c in changes},
                   after={c["cell"]: c["after"] for c in changes},
                   network_id=submission.cycle.network_id, cycle_id=submission.cycle_id)
        db.session.flush()
    return result


def expected_value_count(indicators: list[Indicator], years: list[int]) -> int:
    """How many cells a complete submission fills."""
    return sum(len(i.breakdowns) for i in indicators) * len(years)


def completeness(submission: Submission, indicators: list[Indicator], values: dict) -> tuple[int, int]:
    return len(values), expected_value_count(indicators, submission.cycle.years)


def value_counts(submission_ids: list[int]) -> dict[int, int]:
    """{submission id: number of values entered}, in one query."""
    return count_per(IndicatorValue.submission_id, submission_ids)


def submit(actor, submission: Submission) -> Submission:
    require(actor, Action.EDIT_SUBMISSION, submission)
    problem = edit_problem(submission)
    if problem:
        raise Conflict(problem)
    has_value = db.session.scalar(select(IndicatorValue.id).where(
        IndicatorValue.submission_id == submission.id).limit(1))
    if has_value is None:
        raise ValidationFailed(_("Enter at least one value before submitting."))
    with refuse_simultaneous_change(explain=lambda: _submitted_meanwhile(submission)):
        submission.status = SUBMITTED
        submission.submitted_at = utcnow()
        submission.submitted_by_id = actor.id
        record(actor, "submission.transition", submission, before={"status": DRAFT},
               after={"status": SUBMITTED}, network_id=submission.cycle.network_id, cycle_id=submission.cycle_id)
        db.session.flush()
    _tell_secretariat(submission, actor)
    return submission


def _submitted_meanwhile(submission: Submission) -> Conflict | None:
    """After a clash with a simultaneous submit: who submitted, and when (None: something else changed)."""
    if submission.status != SUBMITTED:
        return None
    who = submission.submitted_by.name if submission.submitted_by else _("your delegation")
    return Conflict(_("This submission was already submitted by %(who)s at %(when)s UTC, at the same moment "
                      "as your request; nothing more was needed. To change the values, ask the network "
                      "secretariat to return the submission to your delegation.",
                      who=who, when=submission.submitted_at.strftime("%d %b %Y %H:%M")))


def _tell_secretariat(submission: Submission, actor) -> None:
    """One e-mail to each secretariat member of the network when a delegation submits."""
    network_id = submission.cycle.network_id
    recipients = [u.email for u in role_holders(network_id, ROLE_SECRETARIAT)]
    link = external_url("submissions.detail", submission_id=submission.id)
    for email in recipients:
        send_mail(email, _("%(org)s submitted to %(cycle)s", org=submission.organisation.name,
                           cycle=submission.cycle.title),
                  _("%(who)s submitted the values of %(org)s for %(cycle)s.\n\n%(link)s\n", who=actor.name,
                    org=submission.organisation.name, cycle=submission.cycle.title, link=link),
                  network_id=network_id)


def return_for_revision(actor, submission: Submission, reason: str) -> Submission:
    require(actor, Action.MANAGE_CYCLE, submission.cycle)
    if submission.status != SUBMITTED:
        raise Conflict(_("Only a submitted submission can be returned; this one is still a draft."))
    if submission.cycle.status != OPEN:
        raise Conflict(_("Submissions can be returned only while the cycle is open for submissions."))
    if not reason.strip():
        raise ValidationFailed(_("The submission was not returned."),
                               errors={"reason": _("Say why the submission is returned.")})

    def returned_meanwhile() -> Conflict | None:
        if submission.status != DRAFT:
            return None
        return Conflict(_("Someone else returned this submission to %(org)s at the same moment; it is a draft "
                          "again, and your reason was not recorded.", org=submission.organisation.name))

    with refuse_simultaneous_change(explain=returned_meanwhile):
        submission.status = DRAFT
        submission.submitted_at = None
        record(actor, "submission.transition", submission, before={"status": SUBMITTED},
               after={"status": DRAFT, "reason": reason.strip()}, network_id=submission.cycle.network_id,
               cycle_id=submission.cycle_id)
        db.session.flush()
    _tell_delegation(submission, reason.strip())
    return submission


def _tell_delegation(submission: Submission, reason: str) -> None:
    network_id = submission.cycle.network_id
    recipients = [u.email for u in role_holders(network_id, ROLE_DELEGATE, submission.organisation_id)]
    link = external_url("submissions.edit", submission_id=submission.id)
    for email in recipients:
        send_mail(email, _("Your submission to %(cycle)s was returned", cycle=submission.cycle.title),
                  _("The network secretariat returned the submission of %(org)s so that you can change it.\n\n"
                    "Reason: %(reason)s\n\n%(link)s\n", org=submission.organisation.name, reason=reason,
                    link=link), network_id=network_id)


def invitable_organisations(cycle: Cycle) -> list[Organisation]:
    """Public employment services of the cycle's network that do not take part in it yet."""
    taking_part = select(Submission.organisation_id).where(Submission.cycle_id == cycle.id)
    query = (select(Organisation).join(network_membership, network_membership.c.organisation_id == Organisation.id)
             .where(network_membership.c.network_id == cycle.network_id, Organisation.kind == "pes",
                    Organisation.id.not_in(taking_part))
             .order_by(Organisation.name))
    return list(db.session.scalars(query))


def invite_organisation(actor, cycle: Cycle, organisation_id: int):
    """Make an organisation a participant: it gets an empty draft submission."""
    require(actor, Action.MANAGE_CYCLE, cycle)
    if cycle.status not in (CYCLE_DRAFT, OPEN):
        raise Conflict(_("Organisations can only be invited while the cycle is a draft or open for "
                         "submissions; this cycle is %(phase)s.", phase=PHASE_LABELS[cycle.status]))
    organisation = db.session.get(Organisation, organisation_id or 0)
    if organisation is None or organisation.kind != "pes" or cycle.network_id not in organisation.network_ids:
        raise ValidationFailed(_("The organisation could not be invited."),
                               errors={"organisation_id": _("Choose a public employment service of this network.")})
    # Only a page opened before someone else invited it offers an organisation taking part
    # already: a conflict with that other change, whether it came first or at the same moment.
    def taking_part() -> Conflict | None:
        if db.session.scalar(select(Submission.id).where(Submission.cycle_id == cycle.id,
                                                         Submission.organisation_id == organisation.id)) is None:
            return None
        return Conflict(_("%(org)s already takes part in this cycle.", org=organisation.name))

    refusal = taking_part()
    if refusal is not None:
        raise refusal
    submission = Submission(cycle_id=cycle.id, organisation_id=organisation.id)
    with refuse_simultaneous_change(explain=taking_part):
        db.session.add(submission)
        db.session.flush()
    record(actor, "cycle.invite", submission, after={"organisation": organisation.name},
           network_id=cycle.network_id, cycle_id=cycle.id)
    return submission
