"""Backups that restore: `flask backup` dumps the database, the dump is restored into an empty database
(a file for SQLite, a new database on the PostgreSQL server), and every published PDF and every
supporting document comes back with the same SHA-256 and every audit event with the same id, time,
actor and content. (Uploaded spreadsheets are not kept as files: their values are, as rows.)"""
from __future__ import annotations

import hashlib
import os
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from peerreview.audit.models import AuditEvent
from peerreview.audit.services import record
from peerreview.backup import BackupError, read_manifest, restore
from peerreview.reports.models import ReportVersion
from peerreview.submissions.models import SubmissionDocument


@contextmanager
def empty_database(app):
    """An empty database of the same kind as the test database, as an engine."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        name = f"restore_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        schema = app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"].split("=", 1)[1]
        engine = create_engine(admin.url.set(database=name),
                               connect_args={"options": f"-csearch_path={schema}"})
        try:
            yield engine
        finally:
            engine.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            engine = create_engine(f"sqlite:///{folder}/restored.sqlite")
            yield engine
            engine.dispose()


def _published(session) -> dict[int, str]:
    return {vid: hashlib.sha256(pdf).hexdigest() for vid, pdf in
            session.execute(select(ReportVersion.id, ReportVersion.pdf))}


def _documents(session) -> dict[int, str]:
    return {did: hashlib.sha256(data).hexdigest() for did, data in
            session.execute(select(SubmissionDocument.id, SubmissionDocument.data))}


def _audit(session) -> list[tuple]:
    return [(e.id, e.at, e.actor_id, e.action, e.object_type, e.object_id, e.network_id, e.before, e.after)
            for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_a_backup_restores_into_an_empty_database_with_every_pdf_and_audit_event(app, db, world, runner, tmp_path):
    record(world.secretariat, "cycle.update", world.cycle, before={"title": "Old"}, after={"title": "Ünïcode ✓"},
           network_id=world.network.id, cycle_id=world.cycle.id)
    db.session.commit()
    # A second document, with every byte value, beside the world's one.
    every_byte = bytes(range(256)) * 40
    db.session.add(SubmissionDocument(submission_id=world.own_submission.id, filename="all bytes.xlsx", kind="xlsx",
                                      size=len(every_byte), sha256=hashlib.sha256(every_byte).hexdigest(),
                                      data=every_byte, uploaded_by_id=world.delegate.id))
    db.session.commit()
    published, documents, events = _published(db.session), _documents(db.session), _audit(db.session)
    assert published == {world.published_report.versions[0].id: hashlib.sha256(b"%PDF-1.7 published").hexdigest()}
    assert sorted(documents.values()) == sorted([hashlib.sha256(b"%PDF-1.7 evidence").hexdigest(),
                                                 hashlib.sha256(every_byte).hexdigest()])
    assert len(events) >= 1
    dump = tmp_path / "peerreview.dump"

    result = runner.invoke(args=["backup", "--output", str(dump)])
    assert result.exit_code == 0, result.output
    assert f"{len(published)} published reports, 2 supporting documents, {len(events)} audit events" in result.output
    manifest = read_manifest(dump)
    assert manifest.published_reports == {str(k): v for k, v in published.items()}
    assert manifest.documents == {str(k): v for k, v in documents.items()}

    with empty_database(app) as engine, Session(engine) as restored:
        assert restore(restored, dump) == []
        assert _published(restored) == published
        assert _documents(restored) == documents
        assert _audit(restored) == events
        # the restored database goes on: ids continue after the restored ones
        if engine.dialect.name == "postgresql":
            next_id = restored.execute(text("SELECT nextval(pg_get_serial_sequence('audit_event', 'id'))")).scalar()
            assert next_id > events[-1][0]


def test_restore_refuses_a_database_that_is_not_empty(app, db, world, tmp_path):
    from peerreview.backup import backup

    dump = tmp_path / "peerreview.dump"
    backup(db.session, dump)
    with pytest.raises(BackupError, match="not empty"):
        restore(db.session, dump)


def test_restore_refuses_a_dump_that_is_not_the_one_the_manifest_describes(app, db, world, tmp_path):
    from peerreview.backup import backup

    dump = tmp_path / "peerreview.dump"
    backup(db.session, dump)
    with dump.open("ab") as handle:
        handle.write(b"x")
    with empty_database(app) as engine, Session(engine) as restored, \
            pytest.raises(BackupError, match="SHA-256 differs"):
        restore(restored, dump)


def test_a_restored_database_that_lost_something_is_reported(app, db, world, tmp_path):
    from peerreview.backup import backup, compare, take_manifest

    dump = tmp_path / "peerreview.dump"
    expected = backup(db.session, dump)
    world.published_report.versions[0].pdf = b"%PDF-1.7 something else"
    world.document.data = b"%PDF-1.7 another document"
    db.session.add(AuditEvent(action="x", object_type="y"))
    db.session.flush()
    problems = compare(expected, take_manifest(db.session))
    assert any("published report" in p for p in problems)
    assert any(f"supporting document {world.document.id}" in p for p in problems)
    assert any("audit events" in p for p in problems)
    db.session.rollback()


def test_flask_restore_into_an_empty_database_checks_the_manifest(app, db, world, runner, tmp_path):
    """The operator's path: `flask backup` on one server, `flask restore` with DATABASE_URL of an empty one."""
    from config import TestingConfig
    from peerreview import create_app
    from peerreview.extensions import talisman

    dump = tmp_path / "peerreview.dump"
    assert runner.invoke(args=["backup", "--output", str(dump)]).exit_code == 0
    saved = dict(vars(talisman))  # one Talisman object for every app: give the test app its settings back
    with empty_database(app) as engine:
        # On PostgreSQL the restored tables are in the test's schema, as in the database dumped.
        options = ({"connect_args": app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]}
                   if engine.dialect.name == "postgresql" else {})
        url = engine.url.render_as_string(hide_password=False)
        config = type("Restore", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url,
                                                     "SQLALCHEMY_ENGINE_OPTIONS": options})
        try:
            other = create_app(config)
            # The command runs in the app context it finds: the restoring app's, not the test app's.
            with other.app_context():
                from peerreview.extensions import db as other_db

                result = other.test_cli_runner().invoke(args=["restore", "--input", str(dump)])
                assert result.exit_code == 0, result.output
                assert "every published report and supporting document has its SHA-256" in result.output
                assert _published(other_db.session) == _published(db.session)
                assert _documents(other_db.session) == _documents(db.session) != {}
                again = other.test_cli_runner().invoke(args=["restore", "--input", str(dump)])
                assert again.exit_code == 1 and "not empty" in again.output
                other_db.session.remove()
                other_db.engine.dispose()
        finally:
            vars(talisman).update(saved)
