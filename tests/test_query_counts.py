"""Pages read with a fixed number of queries, however many rows they show."""
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from peerreview.page_cache import forget_all
from tests.factories import CommentFactory


@contextmanager
def counted(db):
    """The queries of what runs inside, with the page cache empty: the full rendering is counted."""
    forget_all()
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


def _add_documents_and_values(db, world, n: int):
    from decimal import Decimal

    from peerreview.submissions.models import IndicatorValue, SubmissionDocument
    from tests.factories import UserFactory

    for i in range(n):
        uploader = UserFactory(organisation=world.own_org, network=world.network)
        db.session.add(SubmissionDocument(submission_id=world.own_submission.id, filename=f"doc{i}.pdf", kind="pdf",
                                          size=5, sha256="5" * 64, data=b"%PDF-", uploaded_by_id=uploader.id))
    for year in (2022, 2023):
        for breakdown in ("SEX_F", "SEX_M", "Y_LT25"):
            db.session.add(IndicatorValue(submission_id=world.other_submission.id, indicator_id=world.indicator.id,
                                          breakdown=breakdown, year=year, value=Decimal("10"), note=f"n{n}"))
    db.session.commit()


@pytest.mark.parametrize("url", ["/submissions/{own}", "/submissions/{own}/documents",
                                 "/submissions/cycles/{cycle}/values.csv", "/submissions/cycles/{cycle}/values.xlsx",
                                 "/submissions/{own}/values.xlsx", "/submissions/{own}/values.csv"])
def test_documents_and_value_files_do_not_query_per_row(client, login, world, db, url):
    login(world.secretariat)
    url = url.format(own=world.own_submission.id, cycle=world.cycle.id)
    client.get(url)  # warm-up
    with counted(db) as few:
        assert client.get(url).status_code == 200
    _add_documents_and_values(db, world, 12)
    with counted(db) as many:
        assert client.get(url).status_code == 200
    assert len(many) <= len(few), f"{url}: {len(few)} queries before, {len(many)} with 12 more documents and values"
def _grid(db, n_indicators: int):
    """An open cycle whose framework has n indicators x 6 breakdowns x 3 years, every cell filled."""
    from decimal import Decimal

    from peerreview.submissions.models import ComparabilityNote
    from tests.factories import CycleFactory, IndicatorFactory, SubmissionFactory, UserFactory, ValueFactory

    cycle = CycleFactory(status="open")
    submission = SubmissionFactory(cycle=cycle)
    delegate = UserFactory(network=cycle.network, organisation=submission.organisation)
    for position in range(n_indicators):
        indicator = IndicatorFactory(framework=cycle.framework, position=position, dimensions="sex age")
        for breakdown in indicator.breakdowns:
            for year in cycle.years:
                # Every other cell flagged with a source note: flags and notes cost no query per cell either.
                flagged = year % 2 == 0
                ValueFactory(submission_id=submission.id, indicator_id=indicator.id, breakdown=breakdown.code,
                             year=year, value=Decimal("10"), updated_by_id=delegate.id,
                             flag="estimated" if flagged else "", note="Survey" if flagged else "")
        db.session.add(ComparabilityNote(submission_id=submission.id, indicator_id=indicator.id, body="National"))
    db.session.commit()
    return submission, delegate


def _whole_form(html: str, new_value: str) -> dict:
    import re

    loaded = dict(re.findall(r'name="o-(v-[^"]+)" value="([^"]*)"', html))
    marks = dict(re.findall(r'name="([fn]-v-[^"]+|o[fn]-v-[^"]+)" value="([^"]*)"', html))  # flags and notes as loaded
    if new_value == "":  # emptying a cell removes its flag and note too
        marks.update({key: "" for key in marks if key[0] in "fn"})
    return {**marks, **dict.fromkeys(loaded, new_value), **{f"o-{cell}": value for cell, value in loaded.items()}}


def test_the_value_form_and_its_save_do_not_query_per_cell(client, login, db):
    counts = {}
    for n in (1, 8):
        submission, delegate = _grid(db, n)
        login(delegate)
        url = f"/submissions/{submission.id}/edit"
        client.get(url)  # warm-up
        with counted(db) as form:
            html = client.get(url).get_data(as_text=True)
        data = _whole_form(html, "11")
        assert len(data) == 2 * n * 6 * 3 + 4 * n * 6 * 2  # values; flags and notes of the 2022 and 2024 cells
        with counted(db) as save:  # every cell changed: updates, executed as one batch
            assert client.post(url, data=data).status_code == 302
        with counted(db) as clear:  # every cell emptied: deletes, one batch
            assert client.post(url, data={**_whole_form(client.get(url).get_data(as_text=True), "")}
                               ).status_code == 302
        with counted(db) as insert:  # every cell new: one bulk insert
            assert client.post(url, data=_whole_form(client.get(url).get_data(as_text=True), "12")
                               ).status_code == 302
        counts[n] = (len(form), len(save), len(clear), len(insert))
    assert counts[8] == counts[1], f"queries (form, update, delete, insert) with 18 cells {counts[1]}, 144: {counts[8]}"
