"""Comparison and profile pages in a real browser: sorting, links to profiles, axe-core."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_sorting_the_comparison_and_opening_a_profile(person):
    sec = person()
    sec.sign_in("secretariat@wapes.demo.example")
    page = sec.page
    page.goto("/cycles/")
    page.get_by_role("link", name="WAPES Global Peer Review", exact=True).first.click()
    page.get_by_role("link", name="Compare indicators").click()
    sec.check()
    rows = page.locator("#comparison-table tbody tr")
    first_best = rows.first.locator("th").inner_text()
    page.get_by_role("button", name=re.compile("^Value")).click()  # ascending: the lowest first
    expect(page.locator("#comparison-table th[aria-sort=ascending]")).to_have_count(1)
    assert rows.last.locator("th").inner_text() == first_best
    page.get_by_role("button", name="Organisation").click()
    names = [rows.nth(i).locator("th").inner_text() for i in range(rows.count())]
    assert names == sorted(names, key=str.lower)
    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Strongest positions")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("against the network"))).to_be_visible()
    sec.check()
