"""Who is told what by mail: notifications (at once or in a daily digest) and scheduled reminders.

Bodies are templates (templates/mail/*.txt) with translatable text. Where a cycle hides reviewer
names, mails to delegations name no reviewer. Every mail goes to the outbox of its network.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import render_template
from flask_babel import LazyString, _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from peerreview.audit.services import record
from peerreview.auth.models import ROLE_DELEGATE, ROLE_SECRETARIAT, RoleGrant, User
from peerreview.cycles.models import IN_REVIEW, OPEN, PHASE_LABELS, REPORTING, Cycle, DeadlineExtension
from peerreview.db_types import utcnow
from peerreview.errors import refuse_simultaneous_change
from peerreview.extensions import db
from peerreview.i18n import in_locale, translated_text
from peerreview.mail.services import external_url, send_mail
from peerreview.permissions import Action, require
from peerreview.reviews.models import Comment, Notification, ReviewerAssignment, SentReminder
from peerreview.submissions.models import DRAFT, Submission

REMINDER_DAYS = (7, 2)  # days before a deadline; and once the day after it, when overdue


def people(network_id: int, role: str, organisation_id: int | None = None) -> list[User]:
    query = (select(User).join(RoleGrant, RoleGrant.user_id == User.id)
             .where(RoleGrant.network_id == network_id, RoleGrant.role == role, User.active.is_(True))
             .order_by(User.id))
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    return list(db.session.scalars(query))


def delegates_of(submission: Submission) -> list[User]:
    return people(submission.cycle.network_id, ROLE_DELEGATE, submission.organisation_id)


def title_of(cycle: Cycle) -> LazyString:
    """The cycle's title in the language of the message it is put in (each recipient's own)."""
    return LazyString(translated_text, cycle, "title")


def notify(user: User, network_id: int, subject, template: str, **context) -> Notification:
    """Tell one person, in their language: by mail now, or kept for their daily digest.

    `subject` is a lazy text (`_l`): it is translated here, for this recipient.
    """
    with in_locale(user.locale):
        subject = str(subject)
        body = render_template(f"mail/{template}.txt", user=user, **context)
    notification = Notification(user_id=user.id, network_id=network_id, subject=subject, body=body)
    db.session.add(notification)
    if not user.daily_digest:
        notification.mailed_at = utcnow()
        send_mail(user.email, subject, body, network_id=network_id)
    return notification


def _link(submission: Submission) -> str:
    return external_url("submissions.detail", submission_id=submission.id)


def reviewer_name_for_delegation(reviewer: User, cycle: Cycle) -> str:
    return _l("A peer reviewer") if cycle.hide_reviewer_names else reviewer.name


# --- events -------------------------------------------------------------------------------

def on_assignment(assignment: ReviewerAssignment) -> None:
    submission = assignment.submission
    notify(assignment.reviewer, submission.cycle.network_id,
           _l("You are asked to review %(org)s", org=submission.organisation.name), "assignment",
           submission=submission, cycle=submission.cycle, link=_link(submission))


def on_comment(comment: Comment) -> None:
    """A new shared comment or clarification request: the delegation is told."""
    if not comment.is_shared:
        return
    submission = comment.submission
    author = reviewer_name_for_delegation(comment.author, submission.cycle)
    subject = (_l("A clarification request about your submission to %(cycle)s", cycle=title_of(submission.cycle))
               if comment.is_request else
               _l("A new comment on your submission to %(cycle)s", cycle=title_of(submission.cycle)))
    for delegate in delegates_of(submission):
        notify(delegate, submission.cycle.network_id, subject, "comment", comment=comment, author=author,
               submission=submission, link=_link(submission))


def on_answer(reply: Comment, root: Comment) -> None:
    """The delegation answered: the author of the comment is told."""
    submission = reply.submission
    if reply.author_id == root.author_id or root.author.organisation_id == submission.organisation_id:
        return
    notify(root.author, submission.cycle.network_id,
           _l("%(org)s answered your comment", org=submission.organisation.name), "answer",
           reply=reply, submission=submission, link=_link(submission))


def on_phase_change(cycle: Cycle, before: str) -> None:
    """Everyone taking part hears of a phase move: delegations and assigned reviewers."""
    submissions = list(db.session.scalars(select(Submission).where(Submission.cycle_id == cycle.id)))
    recipients: dict[int, User] = {}
    for submission in submissions:
        for user in delegates_of(submission):
            recipients[user.id] = user
    reviewers = db.session.scalars(select(User).join(ReviewerAssignment, ReviewerAssignment.reviewer_id == User.id)
                                   .join(Submission, Submission.id == ReviewerAssignment.submission_id)
                                   .where(Submission.cycle_id == cycle.id, User.active.is_(True)))
    for user in reviewers:
        recipients[user.id] = user
    subject = _l("%(cycle)s is now: %(phase)s", cycle=title_of(cycle), phase=PHASE_LABELS[cycle.status])
    for user in recipients.values():
        notify(user, cycle.network_id, subject, "phase", cycle=cycle, before=PHASE_LABELS[before],
               after=PHASE_LABELS[cycle.status], link=external_url("cycles.detail", cycle_id=cycle.id))


def on_reviews_in(submission: Submission, cycle_complete: bool) -> None:
    """All reviews of a submission (and perhaps of the whole cycle) are in: the secretariat is told."""
    cycle = submission.cycle
    for user in people(cycle.network_id, ROLE_SECRETARIAT):
        notify(user, cycle.network_id, _l("All reviews of %(org)s are in", org=submission.organisation.name),
               "reviews_in", submission=submission, cycle=cycle, cycle_complete=cycle_complete,
               link=_link(submission))


def remind_now(actor, submission: Submission, who: str) -> int:
    """The one-click reminder from the cycle page: to the delegation, or to the reviewers not done."""
    cycle = submission.cycle
    require(actor, Action.MANAGE_CYCLE, cycle)
    if who == "delegation":
        recipients = delegates_of(submission)
        deadline = _effective_submission_deadline(cycle, submission.organisation_id)
    else:
        recipients = [a.reviewer for a in db.session.scalars(select(ReviewerAssignment).where(
            ReviewerAssignment.submission_id == submission.id, ReviewerAssignment.completed_at.is_(None)))]
        deadline = cycle.review_deadline
    for user in recipients:
        notify(user, cycle.network_id, _l("A reminder from the %(network)s secretariat",
                                          network=cycle.network.short_name),
               "reminder", cycle=cycle, submission=submission, who=who, deadline=deadline, days=None,
               link=_link(submission))
    record(actor, "reminder.send", submission, after={"to": who, "people": len(recipients)},
           network_id=cycle.network_id, cycle_id=cycle.id)
    return len(recipients)


# --- the scheduled part: `flask send-reminders` --------------------------------------------

def _effective_submission_deadline(cycle: Cycle, organisation_id: int) -> date | None:
    extension = db.session.scalar(select(DeadlineExtension.submission_deadline).where(
        DeadlineExtension.cycle_id == cycle.id, DeadlineExtension.organisation_id == organisation_id))
    return extension or cycle.submission_deadline


def _due(today: date, deadline: date | None) -> str | None:
    """"7", "2" or "overdue" when a reminder of that kind falls on `today`, else None."""
    if deadline is None:
        return None
    for days in REMINDER_DAYS:
        if deadline - timedelta(days=days) == today:
            return str(days)
    if today > deadline:
        return "overdue"  # sent once (the key), on the first run after the deadline
    return None


@dataclass
class ReminderRun:
    reminders: int = 0
    digests: int = 0


def _once(key: str) -> bool:
    """True the first time a key is seen (and remembers it); never the same reminder twice."""
    if db.session.scalar(select(SentReminder.id).where(SentReminder.key == key)) is not None:
        return False
    with refuse_simultaneous_change():
        db.session.add(SentReminder(key=key))
        db.session.flush()
    return True


def send_scheduled_reminders(today: date, now: datetime | None = None) -> ReminderRun:
    """Deadline reminders 7 and 2 days before and when overdue, and the daily digests. Idempotent.

    Open for submissions: the delegations that have not submitted (their own deadline, extensions
    included); in review: the reviewers not done; in reporting: the network's secretariat, of the
    cycle's reporting deadline (when it has one).
    """
    run = ReminderRun()
    cycles = db.session.scalars(select(Cycle).where(Cycle.status.in_((OPEN, IN_REVIEW, REPORTING))))
    for cycle in cycles:
        if cycle.status == REPORTING:
            run.reminders += _remind_secretariat_of_reporting(cycle, today)
        elif cycle.status == OPEN:
            drafts = db.session.scalars(select(Submission).where(Submission.cycle_id == cycle.id,
                                                                 Submission.status == DRAFT)
                                        .options(selectinload(Submission.organisation)))
            for submission in drafts:
                deadline = _effective_submission_deadline(cycle, submission.organisation_id)
                kind = _due(today, deadline)
                if kind is None:
                    continue
                for user in delegates_of(submission):
                    if _once(f"submission:{cycle.id}:{submission.id}:{deadline.isoformat()}:{kind}:{user.id}"):
                        notify(user, cycle.network_id, _reminder_subject(cycle, kind), "reminder", cycle=cycle,
                               submission=submission, who="delegation", deadline=deadline,
                               days=None if kind == "overdue" else int(kind), link=_link(submission))
                        run.reminders += 1
        else:
            kind = _due(today, cycle.review_deadline)
            if kind is None:
                continue
            pending = db.session.scalars(select(ReviewerAssignment).join(
                Submission, Submission.id == ReviewerAssignment.submission_id).where(
                Submission.cycle_id == cycle.id, ReviewerAssignment.completed_at.is_(None)))
            for assignment in pending:
                key = f"review:{cycle.id}:{assignment.id}:{cycle.review_deadline.isoformat()}:{kind}"
                if _once(key):
                    notify(assignment.reviewer, cycle.network_id, _reminder_subject(cycle, kind), "reminder",
                           cycle=cycle, submission=assignment.submission, who="reviewer",
                           deadline=cycle.review_deadline, days=None if kind == "overdue" else int(kind),
                           link=_link(assignment.submission))
                    run.reminders += 1
    run.digests = send_digests(today)
    return run


def _remind_secretariat_of_reporting(cycle: Cycle, today: date) -> int:
    """The reporting deadline: the secretariat, who renders and publishes the reports, is reminded."""
    deadline = cycle.reporting_deadline
    kind = _due(today, deadline)
    if kind is None:
        return 0
    sent = 0
    for user in people(cycle.network_id, ROLE_SECRETARIAT):
        if _once(f"reporting:{cycle.id}:{deadline.isoformat()}:{kind}:{user.id}"):
            notify(user, cycle.network_id, _reminder_subject(cycle, kind), "reminder", cycle=cycle, submission=None,
                   who="secretariat", deadline=deadline, days=None if kind == "overdue" else int(kind),
                   link=external_url("cycles.detail", cycle_id=cycle.id))
            sent += 1
    return sent


def _reminder_subject(cycle: Cycle, kind: str) -> str:
    if kind == "overdue":
        return _l("Overdue: %(cycle)s", cycle=title_of(cycle))
    return _l("%(n)s days left: %(cycle)s", n=kind, cycle=title_of(cycle))


def send_digests(today: date) -> int:
    """One mail per person and network with what they were told since their last digest."""
    pending = db.session.scalars(select(Notification).where(Notification.mailed_at.is_(None))
                                 .order_by(Notification.id))
    grouped: dict[tuple[int, int], list[Notification]] = defaultdict(list)
    for notification in pending:
        grouped[(notification.user_id, notification.network_id)].append(notification)
    for (user_id, network_id), items in grouped.items():
        user = db.session.get(User, user_id)
        with in_locale(user.locale):
            body = render_template("mail/digest.txt", user=user, items=items, today=today)
            subject = _("Your daily summary (%(n)d notices)", n=len(items))
        send_mail(user.email, subject, body, network_id=network_id)
        for item in items:
            item.mailed_at = utcnow()
    db.session.flush()
    return len(grouped)



def set_daily_digest(actor, daily_digest: bool) -> None:
    """Each person chooses: a mail for every notice, or one summary a day."""
    actor.daily_digest = bool(daily_digest)
    db.session.flush()
