"""The cycle in a real browser: clicking and typing as people do, axe-core on every page."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BE = "VDAB Flemish Public Employment Service"


def open_submission(page, cycle_title: str, organisation: str):
    page.get_by_role("link", name="Cycles").click()
    page.get_by_role("link", name=cycle_title).click()
    page.get_by_role("link", name=organisation).click()


def test_delegate_reviewer_secretariat_and_public(person):
    # Delegate of Belgium: a half-filled draft; one bad value, errors beside the cell and in a summary.
    delegate = person()
    delegate.sign_in("delegate.be@demo.example")
    page = delegate.page
    page.get_by_role("link", name=re.compile("European PES Network Benchlearning 2026 – VDAB")).click()
    delegate.check()
    page.get_by_role("link", name="Enter or change values").click()
    delegate.check()
    first_total = page.locator("table:has(caption:has-text('unit: %')) input[id$='-_T-2024']").first
    first_total.fill("12,5")
    # Percentage indicators take a decimal comma (whole-number ones refuse 12,5: docs/numbers.md).
    bad_cell = page.locator("table:has(caption:has-text('unit: %')) input[id$='-Y_GE50-2024']").first
    bad_cell.fill("about forty")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("need correcting")
    expect(page.locator(".govuk-error-message").first).to_contain_text("Enter a number")
    expect(bad_cell).to_have_value("about forty")  # nothing lost
    delegate.check()
    page.locator(".govuk-error-summary a").first.click()  # the summary link moves to the cell
    expect(bad_cell).to_be_focused()
    bad_cell.fill("38.4")
    page.get_by_role("button", name="Save and review before submitting").click()
    expect(page.locator("h1")).to_contain_text("Check before submitting")  # what is missing, what is locked
    delegate.check()
    page.goto(page.url.removesuffix("/check"))
    page.get_by_role("link", name="Write or change the self-assessment").click()
    delegate.check()
    page.get_by_label("C Sustainable activation and management of transitions").fill(
        "We coach **jobseekers over 50** early.\n\n- profiling in two weeks\n- wage subsidies")
    page.get_by_role("button", name="Save self-assessment").click()
    expect(page.locator(".pr-narrative strong").first).to_have_text("jobseekers over 50")
    page.get_by_role("link", name="Check and submit").click()
    page.get_by_role("button", name="Submit to the network").click()  # with gaps: refused, the reasons beside
    expect(page.locator("#confirm_gaps-error")).to_contain_text("values are missing")
    expect(page.locator(".govuk-error-summary")).to_contain_text("required values are missing")
    delegate.check()
    # The framework requires every total: fill the empty ones, then explain each value the check page lists.
    page.get_by_role("link", name="Go back to the values").click()
    expect(page.locator("input[id*='-_T-']").first).to_be_visible()  # the values form, before .all()
    for total in page.locator("input[id*='-_T-']").all():
        if not total.input_value():
            total.fill("50")
    page.get_by_role("button", name="Save and review before submitting").click()
    # wait for the check page: .all() below does not wait, and would find no explanation yet
    expect(page.locator("h1")).to_contain_text("Check before submitting")
    expect(page.locator("textarea[id^='x-v-']").first).to_be_visible()
    for explanation in page.locator("textarea[id^='x-v-']").all():
        if not explanation.input_value():
            explanation.fill("Checked with the national statistics office: the figure is right.")
    page.get_by_role("button", name="Save the explanations").click()
    expect(page.get_by_text("0 warnings not explained.")).to_be_visible()
    page.get_by_role("button", name="Submit to the network").click()
    expect(page.locator("#confirm_gaps-error")).to_contain_text("values are missing")
    page.get_by_label(re.compile("I submit without the")).check()
    page.get_by_role("button", name="Submit to the network").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Submitted")
    expect(page.get_by_text("so the values are read-only")).to_be_visible()
    delegate.check()

    # Secretariat: a reviewer from another country; a compatriot is not offered; into review.
    sec = person()
    sec.sign_in("secretariat@pesnetwork.demo.example")
    open_submission(sec.page, "European PES Network Benchlearning 2026", BE)
    sec.check()
    sec.page.get_by_label("Assign a peer reviewer").select_option(label="Björn Lindqvist – AF (SE)")
    sec.page.get_by_role("button", name="Assign").click()
    expect(sec.page.locator(".govuk-notification-banner")).to_contain_text("Björn Lindqvist is assigned")
    sec.page.goto("/cycles/")
    sec.page.get_by_role("link", name="European PES Network Benchlearning 2026").click()
    sec.check()
    sec.page.get_by_role("link", name="Move to: In review").click()
    # The confirmation page says what the move will do before it happens.
    expect(sec.page.locator("#consequences")).to_contain_text("will be locked")
    sec.check()
    sec.page.screenshot(path="/tmp/h-review-move.png", full_page=True)
    sec.page.get_by_role("button", name="Confirm the move").click()
    expect(sec.page.locator(".govuk-notification-banner")).to_contain_text("In review")
    sec.check()

    # Reviewer from Sweden: comments on one value, shared with the delegation.
    reviewer = person()
    reviewer.sign_in("reviewer.se@demo.example")
    reviewer.page.get_by_role("link", name=re.compile("VDAB")).first.click()
    reviewer.check()
    reviewer.page.locator("a:has-text('Comment')").first.click()
    reviewer.page.get_by_label("Comment", exact=True).fill("How do you reach jobseekers over 50 <b>early</b>?")
    reviewer.page.get_by_label("Shared with the delegation").check()
    reviewer.page.get_by_role("button", name="Add comment").click()
    expect(reviewer.page.locator(".govuk-notification-banner")).to_contain_text("Your comment is saved")
    expect(reviewer.page.get_by_text("How do you reach jobseekers over 50 <b>early</b>?")).to_be_visible()
    reviewer.check()

    # The delegate reads it (as text) and replies.
    page.reload()
    expect(page.get_by_text("How do you reach jobseekers over 50 <b>early</b>?")).to_be_visible()
    page.locator("summary").filter(has_text="Reply").first.click()
    page.get_by_label("Your reply").first.fill("Through the employer service and the 50+ team.")
    page.get_by_role("button", name="Reply").first.click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your reply is saved")
    delegate.check()

    # Secretariat: render the feedback report, publish it.
    sec.page.get_by_role("link", name="Reports", exact=True).click()
    sec.check()
    sec.page.get_by_label("Organisation").select_option(label=BE)
    sec.page.get_by_role("button", name="Render feedback report").click()
    expect(sec.page.locator(".govuk-notification-banner")).to_contain_text("queued for rendering")
    expect(sec.page.locator("table")).to_contain_text("Draft")  # the job has run (at once in the tests)
    sec.page.get_by_role("link", name=re.compile("^Publish…")).click()  # a link styled as a button
    expect(sec.page.locator(".govuk-warning-text")).to_contain_text("Public: everyone, without signing in")
    sec.check()
    sec.page.get_by_label("Everyone: the public register, without signing in").check()
    sec.page.get_by_role("button", name="Publish").click()
    expect(sec.page.locator(".govuk-notification-banner")).to_contain_text("is being rendered")
    sec.check()

    # Anyone: the published report is listed and downloads as a PDF.
    visitor = person()
    visitor.page.goto("/reports")
    visitor.check()
    row = visitor.page.locator("tr", has_text=re.compile("Feedback report: VDAB"))
    link = row.get_by_role("link", name="Version 1")
    with visitor.page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert open(download.value.path(), "rb").read(4) == b"%PDF"


def test_keyboard_skip_link_and_comparison_chart(person):
    visitor = person()
    visitor.sign_in("delegate.de@demo.example")
    page = visitor.page
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    assert page.url.endswith("#main-content")
    page.get_by_role("link", name="WAPES Global Peer Review", exact=True).first.click()
    page.get_by_role("link", name="Compare indicators").click()
    expect(page.locator("svg.pr-chart")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("1a Transitions"))).to_be_visible()
    visitor.check()
    for path in ("/cycles/", "/reports", "/password/forgot"):
        page.goto(path)
        visitor.check()


def test_secretariat_pages_are_accessible(person):
    sec = person()
    sec.sign_in("secretariat@wapes.demo.example")
    for path in ("/cycles/", "/frameworks/", "/organisations/", "/organisations/new", "/users", "/users/new",
                 "/cycles/new", "/audit/", "/outbox/"):
        sec.page.goto(path)
        sec.check()
    sec.page.goto("/frameworks/")
    sec.page.get_by_role("link", name="WAPES peer review indicators").click()
    sec.check()
    sec.page.get_by_role("link", name="Add an indicator").click()
    sec.page.get_by_role("button", name="Save indicator").click()  # empty: errors beside fields and on top
    expect(sec.page.locator(".govuk-error-summary")).to_be_visible()
    expect(sec.page.locator("#code-error")).to_contain_text("Enter a code")
    sec.check()


def _tab_to(page, condition: str, limit: int = 300) -> None:
    """Press Tab until the focused element satisfies the JavaScript condition on `el`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!el && ({condition}); }})()"):
            return
    raise AssertionError(f"no focusable element where {condition}")


def test_a_reviewer_writes_an_assessment_with_the_keyboard_only(person):
    reviewer = person()
    reviewer.sign_in("reviewer.ca@demo.example")
    page = reviewer.page
    page.goto("/cycles/")
    _tab_to(page, "el.textContent.includes('WAPES Global Peer Review')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, "el.textContent.includes('Bundesagentur')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, "el.textContent.includes('Your assessment')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your assessment")
    reviewer.check()
    # The first area: its maturity radios are one tab stop; arrows choose the level.
    _tab_to(page, "el.name && el.name.startsWith('score-')")
    area = page.evaluate("document.activeElement.name").split("-")[1]
    # Focus lands on the checked radio, "No score yet" (the last); arrows wrap round to 1, 2, 3.
    assert page.evaluate("document.activeElement.value") == ""
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.value") == "3"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == f"strengths-{area}"
    page.keyboard.type("Employer services reach **small firms**. <script>alert(1)</script>")
    # Its Preview button is the next tab stop: Enter shows the sanitised Markdown without leaving the page.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.previewFor") == f"strengths-{area}"
    url = page.url
    page.keyboard.press("Enter")
    preview = page.locator(f"#strengths-{area}-preview")
    expect(preview.locator("strong")).to_have_text("small firms")
    expect(preview).to_contain_text("<script>alert(1)</script>")  # shown as text, never run
    assert page.url == url and page.evaluate("document.activeElement.dataset.previewFor") == f"strengths-{area}"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == f"improvements-{area}"
    page.keyboard.type("Follow-up of people over 50 after placement.")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # over its Preview button
    assert page.evaluate("document.activeElement.name") == f"recommendations-{area}"
    page.keyboard.type("Look to Austria's AMS for job-to-job transitions.")
    _tab_to(page, "el.tagName === 'BUTTON' && el.textContent.includes('Save assessment')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your assessment is saved")
    expect(page.locator(f"#score-{area}-3")).to_be_checked()
    expect(page.locator(f"#strengths-{area}")).to_have_value(
        "Employer services reach **small firms**. <script>alert(1)</script>")
    expect(page.locator(f"#recommendations-{area}")).to_have_value("Look to Austria's AMS for job-to-job transitions.")
    expect(page.locator("#completion-problem")).to_contain_text("Give a maturity score for every excellence area")
    reviewer.check()
    page.screenshot(path="/tmp/h-review-assessment.png", full_page=True)
