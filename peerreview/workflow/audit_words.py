"""The audit log in words: "Wanda Sec assigned a reviewer to Hello Work's submission", each event
linking to what it concerns. The objects are read in one query per kind, whatever the page size."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from peerreview.audit.models import AuditEvent
from peerreview.cycles.models import PHASE_LABELS, Cycle
from peerreview.extensions import db
from peerreview.reports.models import Report
from peerreview.reviews.models import Comment, ReviewerAssignment
from peerreview.reviews.services import anchor_label
from peerreview.submissions.models import Submission


@dataclass
class EventInWords:
    event: AuditEvent
    sentence: str
    link: str | None


def _load(model, ids: set[int], *options) -> dict[int, object]:
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(sorted(ids))).options(*options))}


def _phase(value) -> str:
    return str(PHASE_LABELS.get(value, value or ""))


def describe(events: list[AuditEvent]) -> list[EventInWords]:
    ids: dict[str, set[int]] = {}
    for e in events:
        if e.object_id is not None:
            ids.setdefault(e.object_type, set()).add(e.object_id)
    cycles = _load(Cycle, ids.get("cycle", set()))
    submissions = _load(Submission, ids.get("submission", set()), selectinload(Submission.organisation))
    assignments = _load(ReviewerAssignment, ids.get("reviewer_assignment", set()),
                        selectinload(ReviewerAssignment.submission).selectinload(Submission.organisation))
    comments = _load(Comment, ids.get("review_comment", set()), selectinload(Comment.indicator),
                     selectinload(Comment.area),
                     selectinload(Comment.submission).selectinload(Submission.organisation))
    reports = _load(Report, ids.get("report", set()))
    return [_in_words(e, cycles, submissions, assignments, comments, reports) for e in events]


def _in_words(e: AuditEvent, cycles, submissions, assignments, comments, reports) -> EventInWords:
    who = e.actor.name if e.actor else str(_("The system"))
    before, after = e.before or {}, e.after or {}
    action, obj_id = e.action, e.object_id
    if e.object_type == "cycle" and obj_id in cycles:
        cycle = cycles[obj_id]
        link = url_for("cycles.detail", cycle_id=cycle.id)
        sentences = {
            "cycle.create": _("%(who)s created the cycle %(title)s", who=who, title=cycle.title),
            "cycle.update": _("%(who)s changed the cycle %(title)s", who=who, title=cycle.title),
            "cycle.transition": _("%(who)s moved %(title)s from %(a)s to %(b)s", who=who, title=cycle.title,
                                  a=_phase(before.get("status")), b=_phase(after.get("status"))),
            "cycle.revert": _("%(who)s reverted %(title)s from %(a)s to %(b)s", who=who, title=cycle.title,
                              a=_phase(before.get("status")), b=_phase(after.get("status"))),
            "cycle.extend_deadline": _("%(who)s extended an organisation's submission deadline in %(title)s to "
                                       "%(day)s", who=who, title=cycle.title, day=after.get("submission_deadline")),
        }
        sentence = sentences.get(action)
        if sentence and after.get("reason"):
            sentence = _("%(sentence)s, because: %(reason)s", sentence=sentence, reason=after["reason"])
        return EventInWords(e, sentence or _generic(who, e), link)
    if e.object_type == "submission" and obj_id in submissions:
        submission = submissions[obj_id]
        org = submission.organisation.name
        link = url_for("submissions.detail", submission_id=submission.id)
        sentences = {
            "cycle.invite": _("%(who)s invited %(org)s to the cycle", who=who, org=org),
            "submission.values": (_("%(who)s corrected a value of %(org)s's submitted submission in answer to a "
                                    "clarification request", who=who, org=org)
                                  if after.get("channel") == "clarification" else
                                  _("%(who)s saved values of %(org)s's submission", who=who, org=org)),
            "submission.narratives": _("%(who)s saved the self-assessment of %(org)s", who=who, org=org),
            "submission.transition": (_("%(who)s submitted %(org)s's submission", who=who, org=org)
                                      if after.get("status") == "submitted" else
                                      _("%(who)s returned %(org)s's submission for revision", who=who, org=org)),
            "assessment.save_reviewer": _("%(who)s saved their assessment of %(org)s", who=who, org=org),
            "assessment.save_consolidated": _("%(who)s saved the consolidated assessment of %(org)s", who=who,
                                              org=org),
            "assessment.save_self": _("%(who)s saved %(org)s's self-assessment scores", who=who, org=org),
            "reminder.send": _("%(who)s sent a reminder about %(org)s's submission", who=who, org=org),
        }
        return EventInWords(e, sentences.get(action) or _generic(who, e), link)
    if e.object_type == "reviewer_assignment" and obj_id in assignments:
        submission = assignments[obj_id].submission
        org = submission.organisation.name
        link = url_for("submissions.detail", submission_id=submission.id, _anchor="reviewers")
        sentences = {
            "review.assign": _("%(who)s assigned a reviewer to %(org)s's submission", who=who, org=org),
            "review.make_lead": _("%(who)s chose the lead reviewer of %(org)s's submission", who=who, org=org),
            "review.complete": _("%(who)s marked their review of %(org)s complete", who=who, org=org),
            "review.consolidate": _("%(who)s consolidated the assessment of %(org)s", who=who, org=org),
            "review.reopen": _("%(who)s reopened their review of %(org)s", who=who, org=org),
        }
        return EventInWords(e, sentences.get(action) or _generic(who, e), link)
    if e.object_type == "review_comment" and obj_id in comments:
        comment = comments[obj_id]
        org = comment.submission.organisation.name
        about = anchor_label(comment)
        link = url_for("submissions.detail", submission_id=comment.submission_id, _anchor=f"comment-{comment.id}")
        sentences = {
            "comment.create": (_("%(who)s commented on %(about)s of %(org)s, shared with the delegation", who=who,
                                 about=about, org=org) if after.get("visibility") == "shared" else
                               _("%(who)s commented on %(about)s of %(org)s, for reviewers and secretariat only",
                                 who=who, about=about, org=org)),
            "comment.reply": _("%(who)s replied on %(about)s of %(org)s", who=who, about=about, org=org),
            "comment.share": _("%(who)s shared a thread on %(about)s of %(org)s with the delegation", who=who,
                               about=about, org=org),
            "comment.resolve": _("%(who)s resolved a thread on %(about)s of %(org)s", who=who, about=about, org=org),
            "comment.reopen": _("%(who)s reopened a thread on %(about)s of %(org)s", who=who, about=about, org=org),
            "comment.edit": _("%(who)s edited a comment on %(about)s of %(org)s", who=who, about=about, org=org),
        }
        return EventInWords(e, sentences.get(action) or _generic(who, e), link)
    if e.object_type == "report" and obj_id in reports and action == "report.publish":
        report = reports[obj_id]
        return EventInWords(e, _("%(who)s published the report %(title)s", who=who, title=report.title),
                            url_for("reports.manage", cycle_id=report.cycle_id))
    if e.object_type == "reviewer_assignment" and action == "review.unassign":
        return EventInWords(e, _("%(who)s removed a reviewer (%(email)s) from a submission", who=who,
                                 email=before.get("reviewer", "")), None)
    return EventInWords(e, _generic(who, e), None)


_WORDS = {
    "user.login": _l("signed in"),
    "user.login_failed": _l("failed to sign in"),
    "user.create": _l("created an account"),
    "user.grant": _l("granted a role"),
    "user.revoke": _l("revoked a role"),
    "user.active": _l("changed whether an account is active"),
    "organisation.create": _l("created an organisation"),
    "organisation.update": _l("changed an organisation"),
    "organisation.join": _l("added an organisation to the network"),
    "framework.create": _l("created an indicator framework"),
    "framework.update": _l("changed an indicator framework"),
    "indicator.create": _l("added an indicator"),
    "indicator.update": _l("changed an indicator"),
    "area.create": _l("added an excellence area"),
    "area.update": _l("changed an excellence area"),
    "conflict.declare": _l("declared a conflict of interest"),
    "reviewer.profile": _l("changed a reviewer's profile"),
}


def _generic(who: str, e: AuditEvent) -> str:
    words = _WORDS.get(e.action)
    if words:
        return f"{who} {words}"
    return _("%(who)s: %(action)s", who=who, action=e.action)
