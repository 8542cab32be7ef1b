"""Pages read with a fixed number of queries, however many rows they show."""
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.factories import CommentFactory


@contextmanager
def counted(db):
    calls = []

    def count(*_args, **_kwargs):
        calls.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield calls
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


@pytest.mark.parametrize("role", ["reviewer", "delegate", "secretariat"])
def test_submission_page_does_not_query_per_comment(client, login, world, db, role):
    user = getattr(world, role)
    login(user)
    url = f"/submissions/{world.own_submission.id}"
    client.get(url)  # warm-up
    with counted(db) as few:
        assert client.get(url).status_code == 200
    for i in range(10):
        parent = CommentFactory(submission=world.own_submission, author=world.reviewer, visibility="shared",
                                body=f"Shared {i}")
        CommentFactory(submission=world.own_submission, author=world.reviewer, visibility="internal",
                       body=f"Internal {i}")
        CommentFactory(submission=world.own_submission, author=world.delegate, visibility="shared",
                       body=f"Reply {i}", parent_id=parent.id)
    db.session.commit()
    with counted(db) as many:
        assert client.get(url).status_code == 200
    assert len(many) <= len(few), f"{len(few)} queries with 2 comments, {len(many)} with 32"
