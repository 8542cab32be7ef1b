"""A delegation downloads its template, fills it, uploads it with the keyboard, and attaches a document."""
from __future__ import annotations

import io
import os
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOT_DIR")


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_template_round_trip_and_documents_in_the_browser(person, tmp_path):
    delegate = person()
    delegate.sign_in("delegate.be@demo.example")
    page = delegate.page
    page.get_by_role("link", name=re.compile("European PES Network Benchlearning 2026 – VDAB")).click()
    delegate.check()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the values as an Excel template (.xlsx)").click()
    workbook = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    sheet = workbook["Values"]
    # Fill two empty cells: one with a number typed with a decimal comma, one with a formula.
    empty = [r for r in range(5, sheet.max_row + 1) if sheet.cell(r, 8).value is None and
             sheet.cell(r, 6).value == "_T"]
    sheet.cell(empty[0], 8).value = "12,5"
    sheet.cell(empty[1], 8).value = "=H5*2"
    filled = tmp_path / "vdab-values.xlsx"
    workbook.save(filled)

    page.get_by_role("link", name="Upload a filled template or CSV file").click()
    delegate.check()
    # An unreadable file first: the error beside the field and in the summary; the summary link moves focus.
    not_xlsx = tmp_path / "notes.xlsx"
    not_xlsx.write_text("not a workbook")
    page.get_by_label("Filled spreadsheet (.xlsx or .csv)").set_input_files(str(not_xlsx))
    page.get_by_role("button", name="Upload and save").press("Enter")
    expect(page.locator(".govuk-error-summary")).to_contain_text("not an Excel workbook")
    expect(page.locator(".govuk-error-message")).to_contain_text("not an Excel workbook")
    delegate.check()
    page.locator(".govuk-error-summary a").first.click()
    expect(page.get_by_label("Filled spreadsheet (.xlsx or .csv)")).to_be_focused()
    _shot(page, "upload-refused")

    page.get_by_label("Filled spreadsheet (.xlsx or .csv)").set_input_files(str(filled))
    page.get_by_role("button", name="Upload and save").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("1 value(s) saved")
    table = page.locator("#problems")
    expect(table).to_contain_text(f"H{empty[1]}")
    expect(table).to_contain_text("This cell holds a formula (=H5*2)")
    delegate.check()
    _shot(page, "upload-with-problems")

    page.get_by_role("link", name="Back to the submission").click()
    page.locator("#files").scroll_into_view_if_needed()
    _shot(page, "submission-files")
    page.get_by_role("link", name="Attach a supporting document").click()
    delegate.check()
    pdf = tmp_path / "register-extract.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% illustrative\n")
    page.get_by_label("Supporting document (PDF, XLSX or DOCX)").set_input_files(str(pdf))
    page.get_by_role("button", name="Attach document").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("register-extract.pdf is attached")
    expect(page.locator("#documents-list")).to_contain_text("register-extract.pdf")
    delegate.check()
    _shot(page, "documents")
