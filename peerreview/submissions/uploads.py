"""Checks every uploaded file passes before anything reads it: size, zip bombs, macros.

Office files (XLSX, DOCX) are zip archives. Before openpyxl (or anyone) opens one, the
sizes its members declare are added up: Python's zipfile never inflates a member past its
declared size, so a file whose declared total is small cannot blow up in memory, and one
whose declared total is large is refused without being inflated.
"""
from __future__ import annotations

import io
import zipfile

from flask_babel import _

from peerreview.errors import ValidationFailed

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 2000
# A member inflating more than this many times its stored size is a zip bomb (XLSX sheets reach ~20).
MAX_RATIO = 200
MACRO_MEMBERS = ("vbaproject.bin", "vbadata.xml")
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam", ".docm", ".dotm")


class FileRefused(ValidationFailed):
    """The whole file is refused: nothing in it is applied. The message goes beside the file field."""

    def __init__(self, message: str):
        super().__init__(message, errors={"file": message})


def check_size(data: bytes, limit: int = MAX_UPLOAD_BYTES) -> None:
    if not data:
        raise FileRefused(_("The file is empty."))
    if len(data) > limit:
        raise FileRefused(_("The file is %(size)s MB; files of at most %(limit)s MB are accepted.",
                            size=f"{len(data) / 1024 / 1024:.1f}", limit=f"{limit / 1024 / 1024:.0f}"))


def check_name(filename: str) -> None:
    if filename.lower().endswith(MACRO_SUFFIXES):
        raise FileRefused(_("Files with macros (%(name)s) are refused. Save the workbook as an Excel workbook "
                            "without macros (.xlsx) and upload that.", name=filename))


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old binary Office files, and password-encrypted new ones


def open_office_zip(data: bytes, *, kind: str) -> zipfile.ZipFile:
    """The zip archive of an Office file, after the bomb and macro checks. `kind` names it in messages."""
    if data.startswith(OLE_MAGIC):
        raise FileRefused(_("This is an old-format Office file (.xls, .doc) or a file protected by a password. "
                            "Save it as %(kind)s without a password and upload that.", kind=kind))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise FileRefused(_("This file is not %(kind)s (it is not an Office Open XML file).", kind=kind))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRefused(_("This file is damaged and cannot be read as %(kind)s.", kind=kind)) from None
    if len(members) > MAX_MEMBERS:
        raise FileRefused(_("This file holds %(n)d parts; a genuine %(kind)s holds far fewer. It was refused "
                            "unread.", n=len(members), kind=kind))
    total = sum(m.file_size for m in members)
    swollen = any(m.file_size > 1024 * 1024 and m.file_size > MAX_RATIO * max(m.compress_size, 1) for m in members)
    if total > MAX_UNCOMPRESSED_BYTES or swollen:
        raise FileRefused(_("This file would unpack to %(size)s MB (a \"zip bomb\"); at most %(limit)s MB are "
                            "accepted. It was refused unread.", size=f"{total / 1024 / 1024:.0f}",
                            limit=f"{MAX_UNCOMPRESSED_BYTES / 1024 / 1024:.0f}"))
    names = [m.filename.lower() for m in members]
    if any(name.rsplit("/", 1)[-1] in MACRO_MEMBERS for name in names):
        raise FileRefused(_("This file contains macros (VBA code), which are refused. Save it as a file "
                            "without macros (.xlsx, .docx) and upload that."))
    return archive
