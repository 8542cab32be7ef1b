"""Supporting documents of a submission: PDF, XLSX or DOCX, checked by content, stored in the database.

The type is decided by what the file holds (PDF header; for Office files the zip members
that make a workbook or a Word document), and the name must agree with it. Office files
pass the zip-bomb and macro checks of uploads.py. Documents can be attached whenever
the delegation (or the secretariat on its behalf) may see the submission and the cycle is
not closed: they explain values, they do not change them.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask_babel import _
from sqlalchemy import select
from sqlalchemy.orm import selectinload, undefer

from peerreview import files
from peerreview.audit.services import record
from peerreview.cycles.models import CLOSED
from peerreview.errors import Conflict, NotFound
from peerreview.extensions import db
from peerreview.permissions import Action, is_delegate_of, require, scope
from peerreview.submissions.models import Submission, SubmissionDocument
from peerreview.submissions.uploads import FileRefused, check_name, check_size, open_office_zip

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_DOCUMENTS = 50
KINDS = {
    "pdf": ("application/pdf", ".pdf"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
}


@dataclass(frozen=True)
class DocumentUpload:
    filename: str
    data: bytes


def _clean_name(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    return name[-200:] or "document"


def detect_kind(data: bytes, filename: str) -> str:
    """pdf, xlsx or docx, from the content; FileRefused with the reason otherwise."""
    check_size(data, MAX_DOCUMENT_BYTES)
    check_name(filename)
    if data.startswith(b"%PDF-"):
        kind = "pdf"
    elif data.startswith(b"PK"):
        archive = open_office_zip(data, kind=_("a PDF, XLSX or DOCX document"))
        names = set(archive.namelist())
        archive.close()
        if "xl/workbook.xml" in names:
            kind = "xlsx"
        elif "word/document.xml" in names:
            kind = "docx"
        else:
            raise FileRefused(_("This zip file is neither an Excel workbook nor a Word document. Attach PDF, XLSX "
                                "or DOCX files."))
    else:
        raise FileRefused(_("This file is not a PDF, XLSX or DOCX document (by its content). Attach PDF, XLSX or "
                            "DOCX files."))
    extension = KINDS[kind][1]
    if not filename.lower().endswith(extension):
        raise FileRefused(_("The content of “%(name)s” is a %(kind)s file, but its name does not end in "
                            "%(ext)s. Rename it or attach the right file.", name=_clean_name(filename),
                            kind=kind.upper(), ext=extension))
    return kind


def attach_document(actor, submission: Submission, upload: DocumentUpload) -> SubmissionDocument:
    require(actor, Action.ATTACH_DOCUMENT, submission)
    if submission.cycle.status == CLOSED:
        raise Conflict(_("The cycle is closed; documents can no longer be attached."))
    kind = detect_kind(upload.data, upload.filename)
    count = db.session.scalar(select(db.func.count(SubmissionDocument.id))
                              .where(SubmissionDocument.submission_id == submission.id))
    if count >= MAX_DOCUMENTS:
        raise FileRefused(_("This submission has %(n)d documents already, the most it can hold.", n=count))
    delegate = is_delegate_of(actor, submission.organisation_id, submission.cycle.network_id)
    stored, key = files.keep("document", upload.data)
    document = SubmissionDocument(submission_id=submission.id, filename=_clean_name(upload.filename), kind=kind,
                                  size=len(upload.data), sha256=hashlib.sha256(upload.data).hexdigest(),
                                  data=stored, file_key=key, channel="upload" if delegate else "secretariat",
                                  uploaded_by_id=actor.id)
    db.session.add(document)
    db.session.flush()
    record(actor, "submission.document", submission,
           after={"file": document.filename, "kind": kind, "size": document.size, "channel": document.channel},
           network_id=submission.cycle.network_id, cycle_id=submission.cycle_id)
    return document


def documents_of(actor, submission: Submission) -> list[SubmissionDocument]:
    """The submission's documents this user may download (without their bytes), oldest first."""
    query = (select(SubmissionDocument).where(SubmissionDocument.submission_id == submission.id,
                                              scope(actor, Action.DOWNLOAD_DOCUMENT))
             .options(selectinload(SubmissionDocument.uploaded_by)).order_by(SubmissionDocument.id))
    return list(db.session.scalars(query))


def get_document(actor, document_id: int) -> SubmissionDocument:
    document = db.session.get(SubmissionDocument, document_id, options=[undefer(SubmissionDocument.data)])
    if document is None:
        raise NotFound(_("No such document."))
    require(actor, Action.DOWNLOAD_DOCUMENT, document)
    return document


def document_bytes(document: SubmissionDocument) -> bytes:
    """The document's bytes, from wherever they are kept (peerreview/files.py)."""
    return files.bytes_of(document.data, document.file_key) or b""


def mimetype(document: SubmissionDocument) -> str:
    return KINDS[document.kind][0]
