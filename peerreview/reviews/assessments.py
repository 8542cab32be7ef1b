"""Structured assessment: per excellence area a maturity score (docs/maturity-scale.md) and findings.

Each assigned reviewer writes their own assessment (seen by the review team only); the
delegation scores itself on the same scale; the lead reviewer consolidates them into the
submission's assessment, which the reports publish. A submission's review is complete when
every assigned reviewer has marked theirs complete and the lead has consolidated.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from peerreview.audit.services import record
from peerreview.db_types import utcnow
from peerreview.errors import Conflict, ValidationFailed, refuse_simultaneous_change, stale_edit_conflict
from peerreview.extensions import db
from peerreview.framework.models import ExcellenceArea
from peerreview.markdown import render_markdown
from peerreview.permissions import Action, require
from peerreview.reviews import notifications
from peerreview.reviews.models import (
    ASSESSMENT_TEXTS,
    CONSOLIDATED,
    REVIEWER,
    SELF,
    AreaAssessment,
    Comment,
    ReviewerAssignment,
)
from peerreview.reviews.services import comment_problem
from peerreview.submissions.models import SUBMITTED, Submission
from peerreview.submissions.services import edit_problem

MAX_TEXT_LENGTH = 10_000

# The maturity scale: peer-to-peer wording, a description of where a service stands, not a verdict.
MATURITY_LEVELS: dict[int, tuple[str, str]] = {
    1: (_l("Starting"), _l("The practice is being thought about; first steps are planned or tried locally.")),
    2: (_l("Developing"), _l("The practice exists in parts of the service; it depends on individuals and is "
                             "not yet applied the same way everywhere.")),
    3: (_l("Established"), _l("The practice is defined and applied across the service; results are followed "
                              "but not yet used systematically to improve it.")),
    4: (_l("Advanced"), _l("The practice is applied everywhere, measured, and regularly improved on the "
                           "evidence of its results.")),
    5: (_l("Leading"), _l("The practice is continuously improved with partners, and other services look to "
                          "it for inspiration.")),
}


@dataclass
class AreaInput:
    """What a person typed for one excellence area (the score as typed, empty for none)."""

    area_id: int
    score: str = ""
    strengths: str = ""
    improvements: str = ""
    recommendations: str = ""
    good_practices: str = ""
    version: int | None = None  # the row's version the form was opened with; None: a new row


def level_label(score: int | None) -> str:
    if score is None:
        return ""
    name, _description = MATURITY_LEVELS[score]
    return f"{score} – {name}"


def _assignment(user_id: int, submission_id: int) -> ReviewerAssignment | None:
    return db.session.scalar(select(ReviewerAssignment).where(
        ReviewerAssignment.submission_id == submission_id, ReviewerAssignment.reviewer_id == user_id))


def _lead(submission_id: int) -> ReviewerAssignment | None:
    return db.session.scalar(select(ReviewerAssignment).where(
        ReviewerAssignment.submission_id == submission_id, ReviewerAssignment.is_lead.is_(True)))


def rows_of(submission_id: int, owner: str) -> dict[int, AreaAssessment]:
    """{area id: row} of one owner ("self", "consolidated", "reviewer:<assignment id>")."""
    query = select(AreaAssessment).where(AreaAssessment.submission_id == submission_id,
                                         AreaAssessment.owner == owner)
    return {row.area_id: row for row in db.session.scalars(query)}


def team_rows(submission_id: int) -> dict[int, dict[int, AreaAssessment]]:
    """{assignment id: {area id: row}} of every reviewer of the submission, in one query."""
    result: dict[int, dict[int, AreaAssessment]] = {}
    query = select(AreaAssessment).where(AreaAssessment.submission_id == submission_id,
                                         AreaAssessment.kind == REVIEWER)
    for row in db.session.scalars(query):
        result.setdefault(row.assignment_id, {})[row.area_id] = row
    return result


def reviewer_owner(assignment: ReviewerAssignment) -> str:
    return f"{REVIEWER}:{assignment.id}"


def _areas(submission: Submission) -> dict[int, ExcellenceArea]:
    query = select(ExcellenceArea).where(ExcellenceArea.framework_id == submission.cycle.framework_id)
    return {area.id: area for area in db.session.scalars(query)}


def _parse_score(text: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if text not in {str(level) for level in MATURITY_LEVELS}:
        raise ValueError
    return int(text)


def _save(actor, submission: Submission, entries: list[AreaInput], *, kind: str, owner: str,
          assignment_id: int | None, with_texts: bool) -> list[AreaAssessment]:
    """Check every entry, report every problem at once (keyed `<field>-<area id>`), then save."""
    areas = _areas(submission)
    existing = rows_of(submission.id, owner)
    errors: dict[str, str] = {}
    cleaned: list[tuple[AreaInput, int | None]] = []
    for entry in entries:
        if entry.area_id not in areas:
            errors[f"score-{entry.area_id}"] = _("Choose an excellence area of this submission.")
            continue
        try:
            score = _parse_score(entry.score)
        except ValueError:
            errors[f"score-{entry.area_id}"] = _("Choose a maturity level from 1 to 5.")
            score = None
        if with_texts:
            for name in ASSESSMENT_TEXTS:
                if len(getattr(entry, name) or "") > MAX_TEXT_LENGTH:
                    errors[f"{name}-{entry.area_id}"] = _("A text may have at most %(n)d characters.",
                                                          n=MAX_TEXT_LENGTH)
        cleaned.append((entry, score))
    if errors:
        raise ValidationFailed(_("The assessment was not saved."), errors=errors)
    for entry, _score in cleaned:
        row = existing.get(entry.area_id)
        if row is not None and entry.version is not None and row.version != entry.version:
            raise stale_edit_conflict()
        if row is None and entry.version is not None:
            raise stale_edit_conflict()
    saved = []
    with refuse_simultaneous_change(explain=stale_edit_conflict):
        for entry, score in cleaned:
            row = existing.get(entry.area_id)
            if row is None:
                row = AreaAssessment(submission_id=submission.id, area_id=entry.area_id, kind=kind, owner=owner,
                                     assignment_id=assignment_id)
                db.session.add(row)
            row.score = score
            if with_texts:
                for name in ASSESSMENT_TEXTS:
                    setattr(row, name, (getattr(entry, name) or "").strip())
            row.updated_at = utcnow()
            row.updated_by_id = actor.id
            saved.append(row)
        db.session.flush()
    record(actor, f"assessment.save_{kind}", submission,
           after={"areas": ",".join(areas[e.area_id].code for e, _s in cleaned)},
           network_id=submission.cycle.network_id, cycle_id=submission.cycle_id)
    return saved


def review_problem(actor, submission: Submission) -> str | None:
    """Why this reviewer cannot change their assessment now."""
    problem = comment_problem(submission)
    if problem:
        return problem
    assignment = _assignment(actor.id, submission.id)
    if assignment is not None and assignment.completed_at is not None:
        return _("You marked your review complete; reopen it to change your assessment.")
    return None


def save_reviewer_assessment(actor, submission: Submission, entries: list[AreaInput]) -> list[AreaAssessment]:
    require(actor, Action.REVIEW_SUBMISSION, submission)
    problem = review_problem(actor, submission)
    if problem:
        raise Conflict(problem)
    assignment = _assignment(actor.id, submission.id)
    return _save(actor, submission, entries, kind=REVIEWER, owner=reviewer_owner(assignment),
                 assignment_id=assignment.id, with_texts=True)


def save_self_scores(actor, submission: Submission, entries: list[AreaInput]) -> list[AreaAssessment]:
    """The delegation scores itself on the same scale, while it may change its submission."""
    require(actor, Action.EDIT_SUBMISSION, submission)
    problem = edit_problem(submission)
    if problem:
        raise Conflict(problem)
    return _save(actor, submission, entries, kind=SELF, owner=SELF, assignment_id=None, with_texts=False)


def consolidation_problem(submission: Submission) -> str | None:
    problem = comment_problem(submission)
    if problem:
        return problem
    lead = _lead(submission.id)
    if lead is not None and lead.consolidated_at is not None:
        return _("The assessment is consolidated; reopen your review to change it.")
    return None


def save_consolidated(actor, submission: Submission, entries: list[AreaInput]) -> list[AreaAssessment]:
    require(actor, Action.CONSOLIDATE_ASSESSMENT, submission)
    problem = consolidation_problem(submission)
    if problem:
        raise Conflict(problem)
    return _save(actor, submission, entries, kind=CONSOLIDATED, owner=CONSOLIDATED, assignment_id=None,
                 with_texts=True)


def open_requests(submission_id: int, author_id: int) -> int:
    return db.session.scalar(select(func.count()).where(
        Comment.submission_id == submission_id, Comment.author_id == author_id, Comment.parent_id.is_(None),
        Comment.is_request.is_(True), Comment.resolved_at.is_(None)))


def completion_problem(actor, submission: Submission) -> str | None:
    """Why this reviewer cannot mark their review complete now, or None."""
    problem = review_problem(actor, submission)
    if problem:
        return problem
    assignment = _assignment(actor.id, submission.id)
    missing = [area.code for area_id, area in sorted(_areas(submission).items(), key=lambda a: a[1].code)
               if rows_of(submission.id, reviewer_owner(assignment)).get(area_id) is None
               or rows_of(submission.id, reviewer_owner(assignment))[area_id].score is None]
    if missing:
        return _("Give a maturity score for every excellence area first (missing: %(areas)s).",
                 areas=", ".join(missing))
    requests = open_requests(submission.id, actor.id)
    if requests:
        return _("You have %(n)d open clarification request(s); resolve them before you mark the review "
                 "complete.", n=requests)
    return None


def mark_review_complete(actor, submission: Submission) -> ReviewerAssignment:
    require(actor, Action.REVIEW_SUBMISSION, submission)
    problem = completion_problem(actor, submission)
    if problem:
        raise Conflict(problem)
    assignment = _assignment(actor.id, submission.id)
    assignment.completed_at = utcnow()
    record(actor, "review.complete", assignment, after={"submission_id": submission.id},
           network_id=submission.cycle.network_id, cycle_id=submission.cycle_id)
    db.session.flush()
    _tell_when_all_reviews_are_in(submission)
    return assignment


def consolidate_problem(submission: Submission) -> str | None:
    """Why the lead cannot mark the submission's assessment consolidated now, or None."""
    problem = consolidation_problem(submission)
    if problem:
        return problem
    pending = db.session.scalar(select(func.count()).where(
        ReviewerAssignment.submission_id == submission.id, ReviewerAssignment.completed_at.is_(None)))
    if pending:
        return _("%(n)d reviewer(s) of the team, you included, have not marked their review complete yet.",
                 n=pending)
    rows = rows_of(submission.id, CONSOLIDATED)
    missing = sorted(area.code for area_id, area in _areas(submission).items()
                     if rows.get(area_id) is None or rows[area_id].score is None)
    if missing:
        return _("Give the consolidated maturity score for every excellence area first (missing: %(areas)s).",
                 areas=", ".join(missing))
    return None


def consolidate(actor, submission: Submission) -> ReviewerAssignment:
    require(actor, Action.CONSOLIDATE_ASSESSMENT, submission)
    problem = consolidate_problem(submission)
    if problem:
        raise Conflict(problem)
    lead = _lead(submission.id)
    lead.consolidated_at = utcnow()
    record(actor, "review.consolidate", lead, after={"submission_id": submission.id},
           network_id=submission.cycle.network_id, cycle_id=submission.cycle_id)
    db.session.flush()
    _tell_when_all_reviews_are_in(submission)
    return lead


def _tell_when_all_reviews_are_in(submission: Submission) -> None:
    if not review_complete(submission):
        return
    submitted = list(db.session.scalars(select(Submission.id).where(
        Submission.cycle_id == submission.cycle_id, Submission.status == SUBMITTED)))
    notifications.on_reviews_in(submission, cycle_complete=all(review_completion(submitted).values()))


def reopen_review(actor, submission: Submission) -> ReviewerAssignment:
    """A reviewer takes back their 'complete' (the lead also their consolidation)."""
    require(actor, Action.REVIEW_SUBMISSION, submission)
    problem = comment_problem(submission)
    if problem:
        raise Conflict(problem)
    assignment = _assignment(actor.id, submission.id)
    if assignment.completed_at is None and assignment.consolidated_at is None:
        raise Conflict(_("Your review is not marked complete; there is nothing to reopen."))
    assignment.completed_at = None
    assignment.consolidated_at = None
    record(actor, "review.reopen", assignment, after={"submission_id": submission.id},
           network_id=submission.cycle.network_id, cycle_id=submission.cycle_id)
    db.session.flush()
    return assignment


def review_completion(submission_ids: list[int]) -> dict[int, bool]:
    """{submission id: review complete?} in one query: every assigned reviewer complete, the lead
    consolidated (no reviewers or no lead: not complete)."""
    result = dict.fromkeys(submission_ids, False)
    if not submission_ids:
        return result
    query = select(ReviewerAssignment.submission_id, ReviewerAssignment.is_lead, ReviewerAssignment.completed_at,
                   ReviewerAssignment.consolidated_at).where(ReviewerAssignment.submission_id.in_(submission_ids))
    team: dict[int, list] = {}
    for row in db.session.execute(query):
        team.setdefault(row.submission_id, []).append(row)
    for submission_id, rows in team.items():
        result[submission_id] = (all(r.completed_at is not None for r in rows)
                                 and any(r.is_lead and r.consolidated_at is not None for r in rows))
    return result


def review_complete(submission: Submission) -> bool:
    return review_completion([submission.id])[submission.id]


def consolidated_assessment(submission_id: int) -> dict | None:
    """The submission's assessment as plain data for the reports, or None until the lead consolidated.

    {"consolidated_at": datetime, "areas": [{"code", "name", "score", "level", "strengths",
    "improvements", "recommendations", "good_practices" (Markdown), and each text as "<name>_html"
    (sanitised)}]}, in the order of the area codes. Individual reviewers' scores are not in it.
    """
    lead = _lead(submission_id)
    if lead is None or lead.consolidated_at is None:
        return None
    rows = sorted(rows_of(submission_id, CONSOLIDATED).values(), key=lambda r: r.area.code)
    areas = []
    for row in rows:
        item = {"code": row.area.code, "name": row.area.name, "score": row.score, "level": level_label(row.score)}
        for name in ASSESSMENT_TEXTS:
            item[name] = getattr(row, name)
            item[f"{name}_html"] = str(render_markdown(getattr(row, name)))
        areas.append(item)
    return {"consolidated_at": lead.consolidated_at, "areas": areas}


def consolidated_findings(cycle_id: int) -> list[dict]:
    """The consolidated assessments of every submitted submission of the cycle whose lead reviewer
    consolidated, in one query (the synthesis report: the network's good practices and
    recommendations): [{"organisation_id", "code", "name", "score", and each text (Markdown)}],
    by area code. Individual reviewers' rows are never read."""
    query = (select(AreaAssessment, Submission.organisation_id, ExcellenceArea.code, ExcellenceArea.name)
             .join(Submission, Submission.id == AreaAssessment.submission_id)
             .join(ExcellenceArea, ExcellenceArea.id == AreaAssessment.area_id)
             .join(ReviewerAssignment, ReviewerAssignment.submission_id == Submission.id)
             .where(Submission.cycle_id == cycle_id, Submission.status == SUBMITTED,
                    AreaAssessment.owner == CONSOLIDATED, ReviewerAssignment.is_lead.is_(True),
                    ReviewerAssignment.consolidated_at.is_not(None))
             .order_by(ExcellenceArea.code, Submission.organisation_id))
    findings = []
    for row, organisation_id, code, name in db.session.execute(query):
        item = {"organisation_id": organisation_id, "code": code, "name": name, "score": row.score}
        item.update({text: getattr(row, text) for text in ASSESSMENT_TEXTS})
        findings.append(item)
    return findings


def _form_values(rows: dict[int, AreaAssessment], typed: list[AreaInput] | None) -> dict[int, dict]:
    """What each area's fields show: as typed after a refusal, else as saved."""
    if typed is not None:
        return {e.area_id: {"score": e.score or "", "version": e.version,
                            **{name: getattr(e, name) for name in ASSESSMENT_TEXTS}} for e in typed}
    return {area_id: {"score": str(row.score) if row.score else "", "version": row.version,
                      **{name: getattr(row, name) for name in ASSESSMENT_TEXTS}} for area_id, row in rows.items()}


def assessment_page_data(actor, submission: Submission, *, mode: str, typed: list[AreaInput] | None = None) -> dict:
    """Everything the assessment page shows, for mode "reviewer", "consolidated" or "self".

    The caller has checked the mode's permission; individual reviewers' rows are only read in
    "consolidated" mode, which needs VIEW_TEAM_ASSESSMENTS (the review team and the secretariat).
    """
    areas = sorted(_areas(submission).values(), key=lambda a: a.code)
    self_scores = {area_id: row.score for area_id, row in rows_of(submission.id, SELF).items()}
    data: dict = {"areas": areas, "self_scores": self_scores, "team": [], "assignment": None,
                  "lead": _lead(submission.id), "review_complete": review_complete(submission)}
    if mode == "reviewer":
        assignment = _assignment(actor.id, submission.id)
        data["assignment"] = assignment
        data["problem"] = review_problem(actor, submission)
        data["completion_problem"] = completion_problem(actor, submission) if assignment.completed_at is None \
            else None
        rows = rows_of(submission.id, reviewer_owner(assignment))
    elif mode == "consolidated":
        require(actor, Action.VIEW_TEAM_ASSESSMENTS, submission)
        rows = rows_of(submission.id, CONSOLIDATED)
        by_assignment = team_rows(submission.id)
        team = db.session.scalars(select(ReviewerAssignment).where(
            ReviewerAssignment.submission_id == submission.id).order_by(ReviewerAssignment.id))
        data["team"] = [(a, by_assignment.get(a.id, {})) for a in team]
        data["is_lead"] = data["lead"] is not None and data["lead"].reviewer_id == actor.id
        data["problem"] = consolidation_problem(submission) if data["is_lead"] else \
            _("Only the lead reviewer writes the consolidated assessment.")
        data["consolidate_problem"] = consolidate_problem(submission) if data["is_lead"] else None
    else:
        rows = rows_of(submission.id, SELF)
        data["problem"] = edit_problem(submission)
    data["values"] = _form_values(rows, typed)
    return data
