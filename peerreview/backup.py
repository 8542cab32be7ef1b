"""Backups that restore: `flask backup` and `flask restore` (used by whoever runs the server).

PostgreSQL: `pg_dump --format=custom` of the app's schema (every table, the published PDFs in
report.pdf included), restored with `pg_restore` into an empty database. SQLite: SQLite's own
online backup into a file, restored by copying it back the same way. Connection details go to
pg_dump through libpq's environment (PGHOST, PGPASSWORD, ...), never on its command line.

Beside the dump, a manifest (JSON) lists what must come back: the SHA-256 of every published
report and of every supporting document, and the number and last id of the audit events. `flask
restore` checks the restored database against it and fails loudly when anything is missing.
Uploaded spreadsheets are read into values (which the dump carries) and not kept as files. With
FILE_STORE=s3 (peerreview/files.py) the rows name objects in the bucket instead of holding the bytes:
the manifest's checksums are of the objects they name, so a restore also proves that every object
named is still there and unchanged; the bucket itself is backed up by its own means (docs/deploy.md).
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Engine

from peerreview import files
from peerreview.audit.models import AuditEvent
from peerreview.reports.models import ReportVersion
from peerreview.submissions.models import SubmissionDocument


class BackupError(RuntimeError):
    pass


@dataclass
class Manifest:
    dialect: str
    schema: str | None
    published_reports: dict[str, str]  # report version id -> SHA-256 of its PDF bytes
    audit_events: int
    last_audit_event_id: int | None
    dump_sha256: str = ""
    documents: dict[str, str] = field(default_factory=dict)  # supporting document id -> SHA-256 of its bytes


def _checksums(session, model, column) -> dict[str, str]:
    """id -> SHA-256 of the file's bytes, wherever they are kept, one row at a time (files can be large)."""
    ids = session.scalars(select(model.id).order_by(model.id)).all()
    found = {}
    for row_id in ids:
        data, key = session.execute(select(column, model.file_key).where(model.id == row_id)).one()
        found[str(row_id)] = hashlib.sha256(files.bytes_of(data, key) or b"").hexdigest()
    return found


def take_manifest(session) -> Manifest:
    engine = session.get_bind()
    reports = _checksums(session, ReportVersion, ReportVersion.pdf)
    documents = _checksums(session, SubmissionDocument, SubmissionDocument.data)
    count, last = session.execute(select(func.count(AuditEvent.id), func.max(AuditEvent.id))).one()
    return Manifest(dialect=engine.dialect.name, schema=_schema(engine), published_reports=reports,
                    audit_events=count, last_audit_event_id=last, documents=documents)


def compare(expected: Manifest, found: Manifest) -> list[str]:
    """Every difference between what the backup held and what the restored database holds."""
    problems = []
    for rid, digest in expected.published_reports.items():
        if found.published_reports.get(rid) != digest:
            problems.append(f"published report {rid}: SHA-256 {found.published_reports.get(rid)} instead of {digest}")
    for did, digest in expected.documents.items():
        if found.documents.get(did) != digest:
            problems.append(f"supporting document {did}: SHA-256 {found.documents.get(did)} instead of {digest}")
    if (found.audit_events, found.last_audit_event_id) != (expected.audit_events, expected.last_audit_event_id):
        problems.append(f"audit events: {found.audit_events} (last id {found.last_audit_event_id}) instead of "
                        f"{expected.audit_events} (last id {expected.last_audit_event_id})")
    return problems


def _schema(engine: Engine) -> str | None:
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        return conn.execute(text("SELECT current_schema()")).scalar()


def _libpq_env(engine: Engine) -> dict[str, str]:
    url = engine.url
    env = dict(os.environ)
    for key, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[key] = str(value)
    return env


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_path(dump: Path) -> Path:
    return dump.with_name(dump.name + ".manifest.json")


def backup(session, target: Path) -> Manifest:
    """Write a dump of the app's database to `target` and its manifest beside it."""
    engine = session.get_bind()
    manifest = take_manifest(session)
    session.rollback()  # the manifest's reads end here; the dump is a snapshot of its own
    target.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "postgresql":
        argv = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)]
        if manifest.schema and manifest.schema != "public":
            argv += ["--schema", manifest.schema]
        done = subprocess.run(argv, env=_libpq_env(engine), capture_output=True, text=True, check=False)  # noqa: S603 (a fixed program; arguments from the config)
        if done.returncode:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    elif engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            source = conn.connection.dbapi_connection
            with sqlite3.connect(target) as copy:
                source.backup(copy)
            copy.close()
    else:
        raise BackupError(f"No backup for {engine.dialect.name}: use the database's own tools.")
    manifest.dump_sha256 = _sha256_file(target)
    manifest_path(target).write_text(json.dumps(asdict(manifest), indent=2))
    return manifest


def read_manifest(dump: Path) -> Manifest:
    return Manifest(**json.loads(manifest_path(dump).read_text()))


def restore(session, source: Path) -> list[str]:
    """Restore `source` into the app's (empty) database; returns the differences from its manifest."""
    engine = session.get_bind()
    expected = read_manifest(source)
    if _sha256_file(source) != expected.dump_sha256:
        raise BackupError(f"{source} is not the file the manifest describes (its SHA-256 differs).")
    if expected.dialect != engine.dialect.name:
        raise BackupError(f"The dump is of {expected.dialect}; this database is {engine.dialect.name}.")
    session.rollback()
    if inspect(engine).get_table_names(schema=expected.schema if engine.dialect.name == "postgresql" else None):
        raise BackupError("The database is not empty: restore into a new, empty database.")
    if engine.dialect.name == "postgresql":
        argv = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname",
                _libpq_env(engine)["PGDATABASE"], str(source)]
        done = subprocess.run(argv, env=_libpq_env(engine), capture_output=True, text=True, check=False)  # noqa: S603 (a fixed program; arguments from the config)
        if done.returncode:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
    else:
        with engine.connect() as conn:
            target = conn.connection.dbapi_connection
            with sqlite3.connect(source) as dump:
                dump.backup(target)
            dump.close()
    engine.dispose()
    session.expire_all()
    return compare(expected, take_manifest(session))
