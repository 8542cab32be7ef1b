"""A network is a tenant: one rule for an object and for the list that shows it, and
nothing a user of one network does reads or changes another network's data.

The world holds two networks with objects of every listed kind in both, an organisation
that belongs to both (Germany's PES), and a person with roles in both networks.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from peerreview.audit.models import AuditEvent
from peerreview.audit.services import list_events, record
from peerreview.auth.models import RoleGrant, User
from peerreview.auth.services import list_users
from peerreview.cycles.models import Cycle
from peerreview.cycles.services import visible_cycles
from peerreview.extensions import db
from peerreview.mail.models import OutboxMessage
from peerreview.mail.services import list_outbox, send_mail
from peerreview.organisations.models import Organisation
from peerreview.organisations.services import list_organisations
from peerreview.permissions import Action, can, scope
from peerreview.reports.models import Report, ReportVersion
from peerreview.reviews.models import Comment, DeclaredConflict
from peerreview.reviews.pool import declared_conflicts
from peerreview.reviews.services import visible_comments
from peerreview.submissions.documents import documents_of
from peerreview.submissions.models import Submission, SubmissionDocument
from peerreview.submissions.services import visible_submissions
from tests.factories import (
    AssignmentFactory,
    CommentFactory,
    CycleFactory,
    OrganisationFactory,
    SubmissionFactory,
    UserFactory,
    build_world,
)


@dataclass
class TwoNetworks:
    world: object
    b_cycle: Cycle
    b_submission: Submission
    b_draft: Submission
    b_reviewer: User
    both_roles: User
    b_internal: Comment
    people: dict


@pytest.fixture()
def two(db):
    w = build_world()
    b = w.other_network
    b_org = OrganisationFactory(name="Arbeitsmarktservice", short_name="AMS", country="AT", network=b)
    b_cycle = CycleFactory(network=b, title="Benchlearning", status="in_review")
    # Germany's PES (own_org) takes part in network B's cycle too.
    b_submission = SubmissionFactory(cycle=b_cycle, organisation=w.own_org, status="submitted")
    b_draft = SubmissionFactory(cycle=b_cycle, organisation=b_org, status="draft")
    b_reviewer = UserFactory(email="rev@b.example", role="reviewer", network=b,
                             organisation=OrganisationFactory(country="IE", network=b))
    AssignmentFactory(submission=b_submission, reviewer=b_reviewer, assigned_by_id=w.other_secretariat.id)
    # One person, two roles: a delegate of Japan's PES in network A reviews in network B.
    both = w.other_delegate
    db.session.add(RoleGrant(user_id=both.id, network_id=b.id, role="reviewer"))
    db.session.flush()
    db.session.refresh(both)
    AssignmentFactory(submission=b_submission, reviewer=both, assigned_by_id=w.other_secretariat.id)
    CommentFactory(submission=b_submission, author=b_reviewer, visibility="shared", body="B-SHARED")
    b_internal = CommentFactory(submission=b_submission, author=b_reviewer, visibility="internal", body="B-INTERNAL")
    db.session.add_all([
        Report(cycle_id=b_cycle.id, kind="synthesis", title="B draft", status="draft", pdf=b"%PDF", sha256="2" * 64,
               size=4, rendered_by_id=w.other_secretariat.id),
    ])
    send_mail("x@a.example", "A-MAIL", "about network A", network_id=w.network.id)
    send_mail("x@b.example", "B-MAIL", "about network B", network_id=b.id)
    send_mail("x@b.example", "B-SECRET", "a sign-in link", network_id=b.id, sensitive=True)
    send_mail("x@none.example", "ACCOUNT-MAIL", "about the account itself")
    for network, reviewer, organisation in ((w.network, w.reviewer.id, None), (w.network, None, w.own_org.id),
                                            (b, b_reviewer.id, None), (b, both.id, None), (b, None, w.own_org.id)):
        db.session.add(DeclaredConflict(network_id=network.id, reviewer_id=reviewer, organisation_id=organisation,
                                        with_organisation_id=w.other_org.id, reason="R", declared_by_id=w.delegate.id))
    for submission in (b_submission, b_draft, w.other_submission):
        db.session.add(SubmissionDocument(submission_id=submission.id, filename="b.pdf", kind="pdf", size=5,
                                          sha256="4" * 64, data=b"%PDF-"))
    # Versions at every tier: network B's synthesis published to its network, one withdrawn, one on A's network.
    for key, (cycle, tier, state) in enumerate(((b_cycle, "network", "current"), (w.cycle, "network", "withdrawn"))):
        report = Report(cycle_id=cycle.id, kind="feedback", subject_key=900 + key, title="S", status="draft",
                        tier=tier, rendered_by_id=w.secretariat.id)
        report.versions.append(ReportVersion(number=1, pdf=b"%PDF-", sha256="5" * 64, size=5, state=state,
                                             published_by_id=w.secretariat.id))
        db.session.add(report)
    record(w.secretariat, "test.a", w.cycle, network_id=w.network.id)
    record(w.other_secretariat, "test.b", b_cycle, network_id=b.id)
    record(None, "test.both", w.own_org, network_ids=[w.network.id, b.id])
    db.session.commit()
    people = {**w.users(), "reviewer_b": b_reviewer, "delegate_a_reviewer_b": both}
    people.pop("anonymous")
    return TwoNetworks(w, b_cycle, b_submission, b_draft, b_reviewer, both, b_internal, people)


LISTABLE = [
    (Action.VIEW_ORGANISATION, Organisation),
    (Action.VIEW_USER, User),
    (Action.READ_MAIL, OutboxMessage),
    (Action.VIEW_AUDIT_EVENT, AuditEvent),
    (Action.VIEW_CYCLE, Cycle),
    (Action.VIEW_SUBMISSION, Submission),
    (Action.VIEW_COMMENT, Comment),
    (Action.DOWNLOAD_REPORT, Report),
    (Action.DOWNLOAD_REPORT_VERSION, ReportVersion),
    (Action.VIEW_DECLARED_CONFLICT, DeclaredConflict),
    (Action.DOWNLOAD_DOCUMENT, SubmissionDocument),
]


@pytest.mark.parametrize(("action", "model"), LISTABLE, ids=[a.value for a, _m in LISTABLE])
def test_scope_selects_exactly_what_can_allows(two, action, model):
    rows = list(db.session.scalars(select(model)))
    assert rows, "the world must hold objects of every listed kind"
    for name, user in {**two.people, "anonymous": None}.items():
        allowed = {row.id for row in rows if can(user, action, row)}
        listed = set(db.session.scalars(select(model.id).where(scope(user, action))))
        assert listed == allowed, f"{action.value} as {name}"


def _ids(objects) -> set[int]:
    return {o.id for o in objects}


def test_every_list_of_the_app_shows_exactly_what_can_allows(two):
    w = two.world
    for name, user in two.people.items():
        secretariat = user.is_secretariat
        if secretariat:
            assert _ids(list_users(user)) == {u.id for u in db.session.scalars(select(User))
                                              if can(user, Action.VIEW_USER, u)}, name
            assert _ids(list_organisations(user)) == {o.id for o in db.session.scalars(select(Organisation))
                                                      if can(user, Action.VIEW_ORGANISATION, o)}, name
            assert _ids(list_outbox(user)) == {m.id for m in db.session.scalars(select(OutboxMessage))
                                               if can(user, Action.READ_MAIL, m)}, name
            network = w.network if user is w.secretariat else w.other_network
            events, _more = list_events(user, network)
            assert _ids(events) == {e.id for e in db.session.scalars(select(AuditEvent))
                                    if e.network_id == network.id and can(user, Action.VIEW_AUDIT_EVENT, e)}, name
        assert _ids(visible_cycles(user)) == {c.id for c in db.session.scalars(select(Cycle))
                                              if can(user, Action.VIEW_CYCLE, c)}, name
        for cycle in db.session.scalars(select(Cycle)):
            assert _ids(visible_submissions(user, cycle.id)) == {
                s.id for s in db.session.scalars(select(Submission).where(Submission.cycle_id == cycle.id))
                if can(user, Action.VIEW_SUBMISSION, s)}, (name, cycle.title)
        assert _ids(declared_conflicts(user)) == {c.id for c in db.session.scalars(select(DeclaredConflict))
                                                  if can(user, Action.VIEW_DECLARED_CONFLICT, c)}, name
        for submission in db.session.scalars(select(Submission)):
            if can(user, Action.VIEW_SUBMISSION, submission):
                assert _ids(visible_comments(user, submission)) == {
                    c.id for c in db.session.scalars(select(Comment).where(Comment.submission_id == submission.id))
                    if can(user, Action.VIEW_COMMENT, c)}, name
                assert _ids(documents_of(user, submission)) == {
                    d.id for d in db.session.scalars(select(SubmissionDocument).where(
                        SubmissionDocument.submission_id == submission.id))
                    if can(user, Action.DOWNLOAD_DOCUMENT, d)}, name


def test_a_role_in_one_network_opens_nothing_in_another(two):
    w = two.world
    both = two.both_roles
    # Delegate in A: edits Japan's submission in A ...
    assert can(both, Action.EDIT_SUBMISSION, w.other_submission)
    # ... reviewer in B: reviews what B assigned, never as a delegate, and not A's internal threads.
    assert can(both, Action.REVIEW_SUBMISSION, two.b_submission)
    assert not can(both, Action.EDIT_SUBMISSION, two.b_submission)
    assert not can(both, Action.VIEW_INTERNAL_COMMENTS, w.own_submission)
    # Germany's delegate in A does not speak for Germany in B, where it holds no role.
    assert not can(w.delegate, Action.VIEW_SUBMISSION, two.b_submission)
    assert not can(w.delegate, Action.EDIT_SUBMISSION, two.b_submission)
    # Each secretariat manages its own cycles only.
    assert not can(w.secretariat, Action.VIEW_CYCLE, two.b_cycle)
    assert not can(w.other_secretariat, Action.VIEW_SUBMISSION, w.own_submission)


def test_the_secretariat_of_b_cannot_administer_network_a(two, client, login):
    w = two.world
    login(w.other_secretariat)
    # Finding 1: a WAPES secretariat account created from the EU secretariat.
    r = client.post("/users/new", data={"name": "Mallory", "email": "mallory@example.org", "role": "secretariat",
                                        "organisation_id": w.own_org.id, "network_id": w.network.id})
    assert r.status_code == 302
    mallory = db.session.scalar(select(User).where(User.email == "mallory@example.org"))
    assert {(g.role, g.network_id) for g in mallory.grants} == {("secretariat", w.other_network.id)}
    assert not can(mallory, Action.VIEW_CYCLE, w.cycle)
    # Deactivating network A's secretariat, renaming A's organisations: not found.
    assert client.post(f"/users/{w.secretariat.id}/active", data={"active": "0"}).status_code == 404
    assert client.post(f"/organisations/{w.other_org.id}/edit", data={
        "name": "Renamed", "short_name": "X", "country": "JP", "kind": "pes"}).status_code == 404
    db.session.refresh(w.secretariat)
    db.session.refresh(w.other_org)
    assert w.secretariat.active and w.other_org.name == "Hello Work"
    # Lists show nothing of network A.
    users = client.get("/users").get_data(as_text=True)
    assert "Wanda Sec" not in users and "Dora Delegate" not in users and "Marie Reviewer" not in users
    assert "rev@b.example" in users and "Hiro Delegate" in users  # he reviews in network B
    organisations = client.get("/organisations/").get_data(as_text=True)
    assert "Hello Work" not in organisations and "ESDC" not in organisations and "Arbeitsmarktservice" in organisations
    outbox = client.get("/outbox/").get_data(as_text=True)
    assert "B-MAIL" in outbox and "A-MAIL" not in outbox and "B-SECRET" not in outbox and "ACCOUNT-MAIL" not in outbox
    audit = client.get("/audit/").get_data(as_text=True)
    assert "test.b" in audit and "test.both" in audit and "test.a" not in audit


def test_a_shared_organisation_is_edited_by_either_and_logged_in_both(two, client, login):
    w = two.world
    login(w.other_secretariat)
    r = client.post(f"/organisations/{w.own_org.id}/edit", data={
        "name": "Bundesagentur für Arbeit (BA)", "short_name": "BA", "country": "DE", "kind": "pes",
        "version": w.own_org.version})
    assert r.status_code == 302
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "organisation.update")).all()
    assert {e.network_id for e in events} == {w.network.id, w.other_network.id}
    db.session.refresh(w.own_org)
    assert {n.id for n in w.own_org.networks} == {w.network.id, w.other_network.id}  # re-saving keeps membership


def test_names_are_unique_per_network_and_errors_reveal_no_other_network(two, client, login):
    w = two.world
    login(w.other_secretariat)
    # "Hello Work" exists only in network A: network B may use the name, and is not told.
    r = client.post("/organisations/new", data={"name": "Hello Work", "short_name": "HW", "country": "JP",
                                                "kind": "pes"})
    assert r.status_code == 302
    r = client.post("/organisations/new", data={"name": "hello work", "short_name": "HW", "country": "JP",
                                                "kind": "pes"})
    assert r.status_code == 422 and "already exists in your network" in r.get_data(as_text=True)


def test_account_events_reach_the_audit_log_of_each_network_concerned(two, client, login):
    w = two.world
    both = two.both_roles
    client.post("/login", data={"email": both.email, "password": "correct horse battery"})
    logins = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.login",
                                                         AuditEvent.actor_id == both.id)).all()
    assert {e.network_id for e in logins} == {w.network.id, w.other_network.id}
    client.post("/logout")
    login(w.secretariat)
    client.post("/users/new", data={"name": "Nina", "email": "nina@example.org", "role": "reviewer",
                                    "organisation_id": w.other_org.id})
    created = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(["user.create", "user.grant"]))).all()
    assert {e.network_id for e in created} == {w.network.id}
    assert client.get("/audit/?action=user.create").get_data(as_text=True).count("user.create") >= 1


def test_an_existing_account_is_given_the_role_without_revealing_its_other_networks(two, client, login):
    w = two.world
    name_before = two.b_reviewer.name
    login(w.secretariat)
    # The reviewer of network B joins network A: same account, no duplicate, name unchanged.
    r = client.post("/users/new", data={"name": "Someone Else", "email": "REV@b.example", "role": "reviewer",
                                        "organisation_id": w.other_org.id})
    assert r.status_code == 302
    users = db.session.scalars(select(User).where(User.email == "rev@b.example")).all()
    assert len(users) == 1
    assert {g.network_id for g in users[0].grants} == {w.network.id, w.other_network.id}
    assert users[0].name == name_before
    page = client.get("/users").get_data(as_text=True)
    assert "rev@b.example" in page and "(EU)" not in page  # the role in network B is not shown to A
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "rev@b.example"))
    assert mail.network_id == w.network.id and "/login" in mail.body


def test_cycle_titles_are_unique_per_network_only(two):
    from peerreview.cycles.services import CYCLE_FIELDS, CycleData, save_cycle
    from peerreview.errors import ValidationFailed
    from tests.factories import FrameworkFactory

    w = two.world
    data = CycleData(**{key: getattr(w.cycle, key) for key in CYCLE_FIELDS})
    data.framework_id, data.host_organisation_id = FrameworkFactory(network=w.other_network).id, None
    copy = save_cycle(w.other_secretariat, w.other_network, data)  # network A's title, in network B
    assert copy.title == w.cycle.title and copy.network_id == w.other_network.id
    with pytest.raises(ValidationFailed) as refused:
        save_cycle(w.other_secretariat, w.other_network, data)
    assert refused.value.errors["title"] == "Another cycle of this network already has this title."
