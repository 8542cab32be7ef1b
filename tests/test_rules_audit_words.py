"""The audit log in words, each event linking to what it concerns, in a fixed number of queries."""
import pytest
from sqlalchemy import event

from peerreview.extensions import db
from peerreview.reviews import services
from peerreview.reviews.threads import share_thread
from peerreview.workflow.phases import move_cycle
from tests.factories import OrganisationFactory, UserFactory, build_world


@pytest.fixture()
def world(db):
    return build_world()


def test_events_read_as_sentences_and_link_to_what_they_concern(world, client, login):
    reviewer = UserFactory(role="reviewer", network=world.network, organisation=OrganisationFactory(country="AT"))
    services.assign_reviewer(world.secretariat, world.other_submission, reviewer.id)
    share_thread(world.reviewer, world.internal_comment.id, confirmed=True)
    world.internal_comment.indicator_id, world.internal_comment.breakdown, world.internal_comment.year = (
        world.indicator.id, "SEX_F", 2022)
    move_cycle(world.secretariat, world.cycle, "reporting", reason="Visit report due")
    db.session.commit()
    login(world.secretariat)
    page = client.get("/audit/").get_data(as_text=True)
    assert "Wanda Sec assigned a reviewer to Hello Work&#39;s submission" in page
    assert (f'href="/submissions/{world.other_submission.id}#reviewers"') in page
    assert "Marie Reviewer shared a thread on 1a Transitions into employment · Women · 2022 of Bundesagentur" in page
    assert f'href="/submissions/{world.own_submission.id}#comment-{world.internal_comment.id}"' in page
    assert ("Wanda Sec moved WAPES Global Peer Review from In review to Reporting, because: Visit report due"
            in page)
    assert "reviewer_assignment 1" not in page  # no internal keys as the text


def test_the_audit_page_reads_the_objects_in_a_fixed_number_of_queries(world, client, login, app):
    def count_queries(url):
        statements = []

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
        return len(statements)

    def events(rounds):
        for index in range(rounds):
            reviewer = UserFactory(role="reviewer", network=world.network,
                                   organisation=OrganisationFactory(country=f"X{index}{rounds}"))
            services.assign_reviewer(world.secretariat, world.other_submission, reviewer.id)
            services.add_comment(world.reviewer, world.own_submission, body=f"c{index}", visibility="shared")
        db.session.commit()

    events(1)
    login(world.secretariat)
    few = count_queries("/audit/")
    events(8)
    assert count_queries("/audit/") == few
