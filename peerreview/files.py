"""Where file bytes live: the database (the default) or an S3-compatible object store.

Every place that keeps or reads file bytes (published and draft report PDFs, supporting documents)
goes through `keep` and `bytes_of`; nothing else knows where the bytes are.

- FILE_STORE=database (default): the bytes go into the row's own LargeBinary column, so every app
  server and worker sees them and a database backup carries them.
- FILE_STORE=s3: the bytes go into the bucket S3_BUCKET of the S3-compatible service at S3_ENDPOINT_URL
  (AWS S3 when empty; MinIO, Ceph, Garage...), under S3_PREFIX + "<kind>/<sha256>", and the row keeps
  that key instead of the bytes. Credentials come from the environment as boto3 reads them
  (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, an instance role...), never from the app's settings.
  Objects are named by their content, so storing the same bytes twice writes one object, and an
  object is written before the row that names it is committed: a row never names a missing object
  (a rolled-back request may leave an unnamed object behind, never the reverse).

A row written under one setting stays readable under the other: a row with a key is read from the
object store, a row without one from its column. Every reader checks the bytes against the SHA-256
recorded beside them where the feature asks for it (reports.services.version_pdf).
"""
from __future__ import annotations

import hashlib
import threading

from flask import current_app

DATABASE = "database"
S3 = "s3"
_lock = threading.Lock()


class FileStoreError(RuntimeError):
    """The object store could not keep or give back a file."""


class S3Store:
    """An S3-compatible bucket (boto3)."""

    def __init__(self, endpoint_url: str | None, bucket: str, prefix: str = "", region: str | None = None):
        import boto3  # only where the object store is configured
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix
        self.client = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None,
                                   config=Config(retries={"max_attempts": 3, "mode": "standard"}))

    def key(self, kind: str, sha256: str) -> str:
        return f"{self.prefix}{kind}/{sha256}"

    def put(self, key: str, data: bytes) -> None:
        from botocore.exceptions import BotoCoreError, ClientError
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data)
        except (BotoCoreError, ClientError) as error:
            raise FileStoreError(f"the object store did not keep {key}: {error}") from error

    def get(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except (BotoCoreError, ClientError) as error:
            raise FileStoreError(f"the object store did not give back {key}: {error}") from error


def configured_store() -> str:
    store = (current_app.config.get("FILE_STORE") or DATABASE).lower()
    if store not in (DATABASE, S3):
        raise ValueError(f"FILE_STORE must be {DATABASE!r} or {S3!r}, not {store!r}")
    return store


def object_store() -> S3Store:
    """The app's S3 store (one client per app and process; boto3 clients are thread-safe)."""
    with _lock:
        store = current_app.extensions.get("peerreview_s3")
        if store is None:
            config = current_app.config
            if not config.get("S3_BUCKET"):
                raise FileStoreError("S3_BUCKET is not set")
            store = S3Store(config.get("S3_ENDPOINT_URL"), config["S3_BUCKET"], config.get("S3_PREFIX", ""),
                            config.get("S3_REGION"))
            current_app.extensions["peerreview_s3"] = store
        return store


def keep(kind: str, data: bytes) -> tuple[bytes | None, str | None]:
    """Store `data` (a file of `kind`: "report", "report-version", "document") where FILE_STORE says.

    Returns what the row keeps: (the bytes, None) for the database, (None, the object's key) for S3.
    """
    if configured_store() == DATABASE:
        return data, None
    store = object_store()
    key = store.key(kind, hashlib.sha256(data).hexdigest())
    store.put(key, data)
    return None, key


def bytes_of(column: bytes | None, key: str | None) -> bytes | None:
    """The file's bytes: from the object store when the row names an object, else from its column."""
    if key:
        return object_store().get(key)
    return column
