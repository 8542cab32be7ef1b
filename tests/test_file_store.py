"""Files in an S3-compatible object store (FILE_STORE=s3, peerreview/files.py), against moto's S3 server
on loopback: stored, read back, and served by the app (a published PDF, a supporting document) with the
SHA-256 they were stored with; the bytes are in the bucket, not in the database. The database store
(the default) is what every other test uses."""
from __future__ import annotations

import hashlib
import io
import socket

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import select

from peerreview import files
from peerreview.backup import take_manifest
from peerreview.reports.models import Report
from peerreview.submissions.models import SubmissionDocument
from tests.test_reports import _without_published_report, rendered

BUCKET = "peerreview-files"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture()
def s3(app, db, s3_server, monkeypatch):
    """The app with FILE_STORE=s3 on a fresh bucket; the bucket's client (credentials from the environment)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    for name, value in (("FILE_STORE", "s3"), ("S3_ENDPOINT_URL", s3_server), ("S3_BUCKET", BUCKET),
                        ("S3_PREFIX", "test/")):
        monkeypatch.setitem(app.config, name, value)
    app.extensions.pop("peerreview_s3", None)
    yield client
    app.extensions.pop("peerreview_s3", None)
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _objects(client) -> dict[str, bytes]:
    return {item["Key"]: client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
            for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_the_object_store_keeps_and_gives_back_the_bytes_by_their_content(s3):
    data = b"%PDF-1.7 \x00\xff binary"
    column, key = files.keep("document", data)
    assert column is None  # nothing in the database's column
    assert key == f"test/document/{hashlib.sha256(data).hexdigest()}"
    assert _objects(s3) == {key: data}
    assert files.bytes_of(None, key) == data
    assert files.keep("document", data) == (None, key) and len(_objects(s3)) == 1  # same bytes, one object


def test_the_database_store_keeps_the_bytes_in_the_row(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "FILE_STORE", "database")
    assert files.keep("document", b"abc") == (b"abc", None)
    assert files.bytes_of(b"abc", None) == b"abc"
    monkeypatch.setitem(app.config, "FILE_STORE", "disk")
    with pytest.raises(ValueError, match="FILE_STORE"):
        files.keep("document", b"abc")


def test_a_missing_object_is_an_error_not_empty_bytes(s3):
    with pytest.raises(files.FileStoreError, match="did not give back"):
        files.bytes_of(None, "test/document/" + "0" * 64)


def test_the_app_serves_a_published_pdf_and_a_document_from_the_object_store(s3, client, login, world, db):
    # A report rendered and published through the app (the render job runs at once in the tests).
    _without_published_report(world)
    report = rendered(world, kind="feedback", organisation_id=world.own_org.id)
    report_id = report.id
    login(world.secretariat)
    assert client.post(f"/reports/{report_id}/publish", data={"tier": "public"}).status_code == 302
    db.session.expire_all()
    version = db.session.get(Report, report_id).current_version
    assert version is not None and version.file_key and version.pdf is None
    # A supporting document, uploaded through the app by the delegation.
    login(world.delegate)
    world.own_submission.status = "draft"
    world.own_submission.submitted_at = None
    db.session.commit()
    upload = b"%PDF-1.7 register extract \x00\x01\x02"
    response = client.post(f"/submissions/{world.own_submission.id}/documents",
                           data={"document": (io.BytesIO(upload), "register.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    document = db.session.scalar(select(SubmissionDocument).where(SubmissionDocument.filename == "register.pdf"))
    assert document.file_key and db.session.scalar(select(SubmissionDocument.data)
                                                   .where(SubmissionDocument.id == document.id)) is None
    login(world.reviewer)
    served = client.get(f"/submissions/documents/{document.id}")
    assert served.status_code == 200 and served.data == upload
    assert hashlib.sha256(served.data).hexdigest() == document.sha256

    client.post("/logout")
    served = client.get(f"/reports/versions/{version.id}/download")
    assert served.status_code == 200 and served.data.startswith(b"%PDF")
    assert hashlib.sha256(served.data).hexdigest() == version.sha256 == served.headers["X-Content-SHA256"]
    stored = _objects(s3)
    assert stored[version.file_key] == served.data and stored[document.file_key] == upload

    # A backup's manifest checks the objects the rows name (peerreview/backup.py).
    manifest = take_manifest(db.session)
    assert manifest.published_reports[str(version.id)] == version.sha256
    assert manifest.documents[str(document.id)] == hashlib.sha256(upload).hexdigest()

    # Bytes changed in the bucket behind the app's back are refused, never served.
    s3.put_object(Bucket=BUCKET, Key=version.file_key, Body=b"%PDF-1.7 tampered")
    assert client.get(f"/reports/versions/{version.id}/download").status_code == 409
