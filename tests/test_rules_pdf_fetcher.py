"""The PDF renderer's URL fetcher serves the app's print assets and data: URIs, nothing else.

A report prints text that delegations and reviewers typed; whatever it contains, the
renderer must not read a local file or reach the network. These tests build their own
asset folder so each rule (inside the folder, a file, the right type, the exact URL
prefix) is checked on its own.
"""
import base64
from urllib.request import HTTPRedirectHandler

import pytest
from weasyprint.urls import URLFetcher

from peerreview.reports import pdf
from peerreview.reports.pdf import BASE_URL, PDF_STATIC, StaticOnlyFetcher, render_pdf

ASSETS = BASE_URL + PDF_STATIC


@pytest.fixture()
def assets(tmp_path):
    """static/pdf/ with one file of each served type, a sub-folder, and secrets next to it."""
    root = tmp_path / "static" / "pdf"
    (root / "img").mkdir(parents=True)
    files = {"report.css": b"/* css */", "logo.svg": b"<svg/>", "img/chart.png": b"\x89PNG",
             "font.woff2": b"wOF2", "font.ttf": b"\x00\x01\x00\x00", "notes.txt": b"plain"}
    for name, body in files.items():
        (root / name).write_bytes(body)
    (tmp_path / "static" / "secret.css").write_bytes(b"SECRET-BESIDE")
    (tmp_path / "static" / "pdf-private").mkdir()
    (tmp_path / "static" / "pdf-private" / "x.css").write_bytes(b"SECRET-SIBLING")
    (root / "link.css").symlink_to(tmp_path / "static" / "secret.css")
    return root


def test_serves_each_asset_with_its_type(assets):
    fetcher = StaticOnlyFetcher(assets)
    for name, body, mime in (("report.css", b"/* css */", "text/css"), ("logo.svg", b"<svg/>", "image/svg+xml"),
                             ("img/chart.png", b"\x89PNG", "image/png"), ("font.woff2", b"wOF2", "font/woff2"),
                             ("font.ttf", b"\x00\x01\x00\x00", "font/ttf"),
                             ("notes.txt", b"plain", "application/octet-stream")):
        response = fetcher.fetch(ASSETS + name)
        assert (response.url, response.read(), response.content_type) == (ASSETS + name, body, mime)


def test_query_and_fragment_are_ignored(assets):
    fetcher = StaticOnlyFetcher(assets)
    assert fetcher.fetch(ASSETS + "report.css?v=3").read() == b"/* css */"
    assert fetcher.fetch(ASSETS + "report.css#top").read() == b"/* css */"
    assert fetcher.fetch(ASSETS + "report.css?v=3#top").read() == b"/* css */"


def test_the_asset_folder_may_be_given_by_a_roundabout_path(assets):
    fetcher = StaticOnlyFetcher(assets.parent / "pdf-private" / ".." / "pdf")
    assert fetcher.fetch(ASSETS + "report.css").read() == b"/* css */"


@pytest.mark.parametrize("name", [
    "../secret.css",            # up out of the folder
    "img/../../secret.css",
    "../pdf-private/x.css",     # a sibling whose name starts like the folder's
    "link.css",                 # a link inside that points outside
    "img",                      # a folder, not a file
    "",                         # the folder itself
    "missing.css",
])
def test_nothing_outside_the_folder_and_nothing_but_files(assets, name):
    with pytest.raises(ValueError) as refused:
        StaticOnlyFetcher(assets).fetch(ASSETS + name)
    assert str(refused.value) == f"not a PDF asset: {ASSETS + name}"


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://127.0.0.1:9/x.css",
    "https://example.org/report.css",
    BASE_URL + "static/css/app.css",                 # the app's other static files
    BASE_URL + "static/pdfx/report.css",
    "https://peerreview.invalid.example.org/static/pdf/report.css",
    "ftp://peerreview.invalid/static/pdf/report.css",
    "static/pdf/report.css",                         # relative: never resolved against the disk
])
def test_every_other_url_is_refused(assets, url):
    with pytest.raises(ValueError) as refused:
        StaticOnlyFetcher(assets).fetch(url)
    assert str(refused.value) == f"external resource refused: {url}"


def test_the_refusal_quotes_at_most_80_characters_of_the_url(assets):
    url = "https://example.org/" + "a" * 200
    with pytest.raises(ValueError) as refused:
        StaticOnlyFetcher(assets).fetch(url)
    assert str(refused.value) == "external resource refused: " + url[:80]


def test_data_uris_are_served(assets):
    fetcher = StaticOnlyFetcher(assets)
    png = base64.b64encode(b"\x89PNG-bytes").decode()
    response = fetcher.fetch(f"data:image/png;base64,{png}")
    assert (response.read(), response.content_type) == (b"\x89PNG-bytes", "image/png")
    assert fetcher.fetch("data:text/css,p%7Bcolor:red%7D").read() == b"p{color:red}"


def test_the_fetcher_underneath_knows_only_data_uris_and_never_follows_redirects(assets):
    """Defence in depth: should a URL ever reach WeasyPrint's own fetcher, it still reads no file."""
    fetcher = StaticOnlyFetcher(assets)
    secret = assets.parent / "secret.css"
    for url in (f"file://{secret}", "http://127.0.0.1:9/x.css", ASSETS + "report.css"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            URLFetcher.fetch(fetcher, url)
    assert not any(isinstance(handler, HTTPRedirectHandler) for handler in fetcher.handlers)


def test_rendering_fetches_the_print_stylesheet_through_the_fetcher_only(app, monkeypatch):
    fetched = []
    original = StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        try:
            response = original(self, url, headers)
        except ValueError as refused:
            fetched.append((url, str(refused)))
            raise
        fetched.append((url, response.read()[:2]))
        return response

    monkeypatch.setattr(pdf.StaticOnlyFetcher, "fetch", spy)
    with app.test_request_context():
        data = render_pdf("reports/pdf/synthesis.html", {
            "cover": {"title": "T", "subtitle": "S", "network": "N", "cycle": "C", "theme": "", "host": "",
                      "kickoff": "", "years": "2024", "generated": "now"},
            "participants": [], "years": [2024], "rows": [], "comments": [], "illustrative": True,
            "texts": {"summary": "", "conclusions": ""}, "findings": [], "definitions": [], "legend": []})
    assert data.startswith(b"%PDF")
    assert fetched == [(ASSETS + "report.css", b"/*")]
