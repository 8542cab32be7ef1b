"""A delegate flags a value and adds a source note from the keyboard, in the value form's dialog."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_flag_and_note_from_the_keyboard(person):
    delegate = person()
    delegate.sign_in("delegate.be@demo.example")
    page = delegate.page
    page.get_by_role("link", name=re.compile("European PES Network Benchlearning 2026 – VDAB")).click()
    page.get_by_role("link", name="Enter or change values").click()
    page.get_by_role("link", name=re.compile("^C ")).click()
    delegate.check()
    button = page.get_by_role("button", name="Flag or note: 1a Total 2023")
    button.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Flag or note: 1a Total 2023")
    expect(dialog).to_be_visible()
    expect(page.get_by_label("Flag", exact=True)).to_be_focused()
    delegate.check()
    page.get_by_label("Flag", exact=True).select_option("provisional")
    page.get_by_label("Source note (optional)").fill("Until the annual close")
    page.get_by_role("button", name="Use for this cell").press("Enter")
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()
    cell = page.get_by_role("textbox", name="1a Total 2023", exact=True)
    expect(cell).to_have_accessible_description(re.compile("provisional, with note"))
    page.get_by_role("button", name="Save draft").last.click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Draft saved: 1 value(s)")
    expect(page.locator("#v-11-_T-2023-mark, [id$='-_T-2023-mark']").first).to_have_text("provisional, with note")
    delegate.check()
