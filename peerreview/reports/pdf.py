"""Rendering print templates to PDF with WeasyPrint.

Templates get a plain dict (no ORM objects). The URL fetcher serves only the
app's own static files under static/pdf/ and data: URIs; every other URL, file://
and http(s):// included, is refused, so user content can never make the renderer
read a local file or reach the network.
"""
from __future__ import annotations

import gc
import multiprocessing
import resource
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, render_template
from weasyprint import HTML, Attachment
from weasyprint.urls import URLFetcher, URLFetcherResponse

BASE_URL = "https://peerreview.invalid/"
PDF_STATIC = "static/pdf/"


class StaticOnlyFetcher(URLFetcher):
    def __init__(self, static_root: Path):
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=2)
        self.static_root = static_root.resolve()

    def fetch(self, url, headers=None):
        if url.startswith(BASE_URL + PDF_STATIC):
            relative = url[len(BASE_URL + PDF_STATIC):].split("?")[0].split("#")[0]
            path = (self.static_root / relative).resolve()
            if self.static_root in path.parents and path.is_file():
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": _mime(path)})
            raise ValueError(f"not a PDF asset: {url}")
        if url.startswith("data:"):
            return super().fetch(url, headers)
        raise ValueError(f"external resource refused: {url[:80]}")


def _mime(path: Path) -> str:
    return {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png",
            ".woff2": "font/woff2", ".ttf": "font/ttf"}.get(path.suffix, "application/octet-stream")


@dataclass
class DataFile:
    """The report's data, attached inside the PDF (PDF/A-3 allows embedded files)."""
    name: str
    content: bytes
    description: str = ""


class RenderFailed(RuntimeError):
    """The render broke a limit or stopped; str() says which, for the reports page."""


@dataclass(frozen=True)
class RenderLimits:
    seconds: float
    memory_mb: int  # address space of the render process


def render_pdf(template: str, context: dict, *, data: DataFile | None = None,
               limits: RenderLimits | None = None) -> bytes:
    """An archival, accessible PDF: PDF/A-3u, tagged (structure tree, language, alt text from
    each chart's title and description), with the data attached as a file.

    The template sets the metadata (title, author = the network, subject, keywords with the
    report's id, language). With `limits`, WeasyPrint runs in a child process with a hard
    memory limit (RLIMIT_AS) and is killed when it takes too long; a thread could not be
    limited this way, since threads share one memory.
    """
    html = render_template(template, **context)
    static_root = Path(current_app.static_folder) / "pdf"
    if limits is None:
        return _write_pdf(html, static_root, data)
    return _write_pdf_in_child(html, static_root, data, limits)


def _write_pdf(html: str, static_root: Path, data: DataFile | None) -> bytes:
    fetcher = StaticOnlyFetcher(static_root)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
    # A weasyprint.Attachment cannot be used for two renders: built here, per render (FEASIBILITY.md).
    attachments = []
    if data is not None:
        attachments.append(Attachment(string=data.content, name=data.name, description=data.description,
                                      relationship="Data", url_fetcher=fetcher))
    # Layout makes millions of short-lived objects: the cyclic garbage collector, paused for
    # the render, cost a third of the time (../shared/FEASIBILITY.md). Reference counting still frees.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return document.write_pdf(pdf_variant="pdf/a-3u", pdf_tags=True, attachments=attachments)
    finally:
        if collecting:
            gc.enable()


def _child(connection, html: str, static_root: Path, data: DataFile | None, memory_mb: int) -> None:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        connection.send(("pdf", _write_pdf(html, static_root, data)))
    except MemoryError:
        connection.send(("error", f"the render needed more than its memory limit of {memory_mb} MB"))
    except Exception as error:  # noqa: BLE001 (reported to the parent, which records it)
        # Out of memory shows in many ways inside C libraries (SystemError, cairo errors): say the limit.
        connection.send(("error", f"{type(error).__name__}: {error}"[:300]
                         + f" (the render's memory limit is {memory_mb} MB)"))
    finally:
        connection.close()


def _write_pdf_in_child(html: str, static_root: Path, data: DataFile | None, limits: RenderLimits) -> bytes:
    # fork: the child starts with WeasyPrint already imported (spawn would add a second or more).
    # It touches no database connection and only sends bytes back through the pipe.
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, html, static_root, data, limits.memory_mb), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(limits.seconds):
            child.kill()
            raise RenderFailed(f"the render took longer than its limit of {limits.seconds:g} seconds")
        try:
            kind, payload = receiver.recv()
        except EOFError:
            child.join(5)
            raise RenderFailed(f"the render process stopped (exit code {child.exitcode}); its memory limit is "
                               f"{limits.memory_mb} MB") from None
    finally:
        receiver.close()
        child.join(5)
        if child.is_alive():
            child.kill()
    if kind != "pdf":
        raise RenderFailed(payload)
    return payload
