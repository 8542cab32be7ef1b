"""Rendering print templates to PDF with WeasyPrint.

Templates get a plain dict (no ORM objects). The URL fetcher serves only the
app's own static files under static/pdf/ and data: URIs; every other URL, file://
and http(s):// included, is refused, so user content can never make the renderer
read a local file or reach the network.
"""
from __future__ import annotations

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


def render_pdf(template: str, context: dict, *, data: DataFile | None = None) -> bytes:
    """An archival, accessible PDF: PDF/A-3u, tagged (structure tree, language, alt text from
    each chart's title and description), with the data attached as a file.

    The template sets the metadata (title, author = the network, subject, keywords with the
    report's id, language). A weasyprint.Attachment cannot be used for two renders, so it is
    built here, per render (../shared/FEASIBILITY.md).
    """
    html = render_template(template, **context)
    static_root = Path(current_app.static_folder) / "pdf"
    fetcher = StaticOnlyFetcher(static_root)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
    attachments = []
    if data is not None:
        attachments.append(Attachment(string=data.content, name=data.name, description=data.description,
                                      relationship="Data", url_fetcher=fetcher))
    return document.write_pdf(pdf_variant="pdf/a-3u", pdf_tags=True, attachments=attachments)
