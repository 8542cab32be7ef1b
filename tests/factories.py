"""factory_boy factories and the standard world used by route and matrix tests."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import factory
from factory.alchemy import SQLAlchemyModelFactory

from peerreview.auth.models import RoleGrant, User
from peerreview.cycles.models import Cycle
from peerreview.extensions import db
from peerreview.framework.models import ExcellenceArea, Framework, Indicator
from peerreview.organisations.models import Network, Organisation
from peerreview.reports.models import FactualFlag, Report, ReportVersion
from peerreview.reviews.models import Comment, ReviewerAssignment
from peerreview.submissions.models import IndicatorValue, Submission, SubmissionDocument
from tests.conftest import DEMO_PASSWORD


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class NetworkFactory(Base):
    class Meta:
        model = Network

    name = factory.Sequence(lambda n: f"Network {n}")
    short_name = factory.Sequence(lambda n: f"NET{n}")


class OrganisationFactory(Base):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Public Employment Service {n}")
    short_name = factory.Sequence(lambda n: f"PES{n}")
    country = factory.Sequence(lambda n: f"C{n}")
    kind = "pes"
    network = None  # a network (or a list of them) the organisation is a member of

    @classmethod
    def _create(cls, model_class, *args, network=None, **kwargs):
        organisation = model_class(*args, **kwargs)
        for member_of in network if isinstance(network, list | tuple) else ([network] if network else []):
            organisation.networks.append(member_of)
        db.session.add(organisation)
        db.session.flush()
        return organisation


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Sequence(lambda n: f"User {n}")
    organisation = factory.SubFactory(OrganisationFactory)
    # The role is granted in `network` (none: an account without any role).
    role = "delegate"
    network = None

    @classmethod
    def _create(cls, model_class, *args, role="delegate", network=None, **kwargs):
        user = model_class(*args, **kwargs)
        if network is not None:
            user.grants.append(RoleGrant(network_id=network.id, role=role))
        db.session.add(user)
        db.session.flush()
        return user

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or DEMO_PASSWORD)


class FrameworkFactory(Base):
    class Meta:
        model = Framework

    network = factory.SubFactory(NetworkFactory)
    name = factory.Sequence(lambda n: f"Framework {n}")
    description = ""


class AreaFactory(Base):
    class Meta:
        model = ExcellenceArea

    framework = factory.SubFactory(FrameworkFactory)
    code = "C"
    name = "Sustainable activation and management of transitions"


class IndicatorFactory(Base):
    class Meta:
        model = Indicator

    framework = factory.SubFactory(FrameworkFactory)
    code = factory.Sequence(lambda n: f"{n + 1}a")
    name = factory.Sequence(lambda n: f"Indicator {n}")
    definition = "A definition."
    unit = "%"
    direction = "higher"
    decimals = 1
    min_value = Decimal(0)
    max_value = Decimal(100)
    dimensions = "sex age"
    position = factory.Sequence(lambda n: n)
    # Tests of other rules submit partly filled grids: no value is required unless a test says so
    # (the application's default is the total of every year: tests/test_rules_checks.py).
    required = "none"


class CycleFactory(Base):
    class Meta:
        model = Cycle

    network = factory.SubFactory(NetworkFactory)
    framework = factory.SubFactory(FrameworkFactory, network=factory.SelfAttribute("..network"))
    title = factory.Sequence(lambda n: f"Cycle {n}")
    theme = "Transitions of people aged over 50"
    kickoff_place = "Bonn"
    kickoff_start = date(2026, 10, 13)
    kickoff_end = date(2026, 10, 14)
    first_year = 2022
    last_year = 2024
    submission_deadline = date(2026, 12, 15)
    review_deadline = date(2027, 2, 15)
    reporting_deadline = date(2027, 4, 30)
    status = "draft"


class SubmissionFactory(Base):
    class Meta:
        model = Submission

    cycle = factory.SubFactory(CycleFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    status = "draft"


class ValueFactory(Base):
    class Meta:
        model = IndicatorValue

    breakdown = "_T"
    year = 2024
    value = Decimal("40.5")
    note = ""


class AssignmentFactory(Base):
    class Meta:
        model = ReviewerAssignment


class CommentFactory(Base):
    class Meta:
        model = Comment

    visibility = "shared"
    body = "A comment."


@dataclass
class World:
    """Two networks; in network A a cycle in review with two participants."""

    network: Network
    other_network: Network
    cycle: Cycle
    framework: Framework
    indicator: Indicator
    own_org: Organisation
    other_org: Organisation
    own_submission: Submission
    other_submission: Submission
    secretariat: User
    other_secretariat: User
    delegate: User
    other_delegate: User
    reviewer: User
    unassigned_reviewer: User
    assignment: ReviewerAssignment
    shared_comment: Comment
    internal_comment: Comment
    other_comment: Comment
    draft_report: Report
    published_report: Report
    document: SubmissionDocument | None = None  # a supporting document of own_submission

    def users(self) -> dict[str, User | None]:
        return {
            "anonymous": None,
            "delegate_own": self.delegate,
            "delegate_other": self.other_delegate,
            "reviewer_assigned": self.reviewer,
            "reviewer_unassigned": self.unassigned_reviewer,
            "secretariat": self.secretariat,
            "secretariat_other": self.other_secretariat,
        }


def build_world(status: str = "in_review") -> World:
    from peerreview.db_types import utcnow

    network = NetworkFactory(name="WAPES", short_name="WAPES")
    other_network = NetworkFactory(name="European PES Network", short_name="EU")
    sec_org = OrganisationFactory(name="WAPES Secretariat", short_name="SEC", country="BE", kind="secretariat",
                                  network=network)
    other_sec_org = OrganisationFactory(name="EU Secretariat", short_name="EUSEC", country="LU", kind="secretariat",
                                        network=other_network)
    # Germany's PES belongs to both networks; Japan's to network A only.
    own_org = OrganisationFactory(name="Bundesagentur für Arbeit", short_name="BA", country="DE",
                                  network=[network, other_network])
    other_org = OrganisationFactory(name="Hello Work", short_name="HW", country="JP", network=network)
    reviewer_org = OrganisationFactory(name="ESDC", short_name="ESDC", country="CA", network=network)
    reviewer2_org = OrganisationFactory(name="Arbetsförmedlingen", short_name="AF", country="SE",
                                        network=other_network)
    framework = FrameworkFactory(network=network, name="Benchmark")
    area = AreaFactory(framework=framework)
    indicator = IndicatorFactory(framework=framework, code="1a", name="Transitions into employment", area=area)
    IndicatorFactory(framework=framework, code="3a", name="Vacancies filled", unit="vacancies", decimals=0,
                     max_value=None, dimensions="")
    cycle = CycleFactory(network=network, framework=framework, title="WAPES Global Peer Review", status=status,
                         host_organisation=own_org)
    own_submission = SubmissionFactory(cycle=cycle, organisation=own_org, status="submitted", submitted_at=utcnow())
    other_submission = SubmissionFactory(cycle=cycle, organisation=other_org, status="submitted",
                                         submitted_at=utcnow())
    for submission, value in ((own_submission, "40.5"), (other_submission, "50.1")):
        ValueFactory(submission_id=submission.id, indicator_id=indicator.id, value=Decimal(value))
    secretariat = UserFactory(email="sec@wapes.example", name="Wanda Sec", role="secretariat",
                              organisation=sec_org, network=network)
    other_secretariat = UserFactory(email="sec@eu.example", name="Elena Sec", role="secretariat",
                                    organisation=other_sec_org, network=other_network)
    delegate = UserFactory(email="delegate@ba.example", name="Dora Delegate", organisation=own_org, network=network)
    other_delegate = UserFactory(email="delegate@hw.example", name="Hiro Delegate", organisation=other_org,
                                 network=network)
    reviewer = UserFactory(email="reviewer@esdc.example", name="Marie Reviewer", role="reviewer",
                           organisation=reviewer_org, network=network)
    unassigned = UserFactory(email="reviewer@af.example", name="Björn Reviewer", role="reviewer",
                             organisation=reviewer2_org, network=network)
    assignment = AssignmentFactory(submission=own_submission, reviewer=reviewer, assigned_by_id=secretariat.id)
    shared = CommentFactory(submission=own_submission, author=reviewer, visibility="shared",
                            body="SHARED-COMMENT: please explain the rise for people aged 50 and over.",
                            indicator=indicator, breakdown="Y_GE50", year=2024)
    internal = CommentFactory(submission=own_submission, author=reviewer, visibility="internal",
                              body="INTERNAL-COMMENT: compare with last year's visit before sharing.")
    other_comment = CommentFactory(submission=other_submission, author=secretariat, visibility="shared",
                                   body="OTHER-ORG-COMMENT")
    draft = Report(cycle_id=cycle.id, kind="feedback", organisation_id=other_org.id, title="Draft feedback",
                   status="draft", pdf=b"%PDF-1.7 draft", sha256="0" * 64, size=14, rendered_by_id=secretariat.id,
                   rendered_at=utcnow())
    published = Report(cycle_id=cycle.id, kind="feedback", organisation_id=own_org.id, title="Published feedback",
                       status="draft", tier="public", pdf=b"%PDF-1.7 draft of published", sha256="1" * 64, size=27,
                       rendered_by_id=secretariat.id, rendered_at=utcnow() - timedelta(hours=1),
                       published_at=utcnow(), published_by_id=secretariat.id)
    published.versions.append(ReportVersion(
        number=1, pdf=b"%PDF-1.7 published", sha256=hashlib.sha256(b"%PDF-1.7 published").hexdigest(), size=18,
        published_at=utcnow(), published_by_id=secretariat.id))
    document = SubmissionDocument(submission_id=own_submission.id, filename="evidence.pdf", kind="pdf", size=17,
                                  sha256="3" * 64, data=b"%PDF-1.7 evidence", uploaded_by_id=delegate.id)
    db.session.add_all([draft, published, document])
    db.session.flush()
    db.session.add(FactualFlag(report_id=draft.id, body="The 2024 figure is the 2023 one.",
                               author_id=other_delegate.id))
    db.session.commit()
    return World(network, other_network, cycle, framework, indicator, own_org, other_org, own_submission,
                 other_submission, secretariat, other_secretariat, delegate, other_delegate, reviewer, unassigned,
                 assignment, shared, internal, other_comment, draft, published, document)
