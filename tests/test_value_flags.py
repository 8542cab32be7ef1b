"""Value flags, source notes and comparability notes: entered, stored, shown, never lost (issue 7, item 4)."""
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from peerreview.audit.models import AuditEvent
from peerreview.extensions import db
from peerreview.submissions import comparability, services
from peerreview.submissions.services import CellChange, save_values
from tests.factories import build_world


@pytest.fixture()
def w(db):
    """Network A's cycle open for submissions; the own organisation's submission is a draft (1a Total 2024 = 40.5)."""
    world = build_world("open")
    world.own_submission.status = "draft"
    world.own_submission.submitted_at = None
    db.session.commit()
    return world


def cells(submission):
    db.session.expire_all()
    return {key: (v.value, v.flag, v.note) for key, v in services.value_map(submission.id).items()}


# --- the save path -----------------------------------------------------------------------------------------

def test_flags_and_notes_are_stored_with_and_without_a_number(w):
    ind = w.indicator.id
    result = save_values(w.delegate, w.own_submission, [
        CellChange(ind, "_T", 2022, "", "", "not available", "The register starts in 2023"),
        CellChange(ind, "_T", 2023, "38,2", "", "ESTIMATED", "Survey, second quarter"),
        CellChange(ind, "_T", 2024, "40.5", "40.5", "confidential", ""),
    ])
    db.session.commit()
    assert (result.saved, result.errors, result.conflicts) == (3, {}, [])
    stored = cells(w.own_submission)
    assert stored[(ind, "_T", 2022)] == (None, "not_available", "The register starts in 2023")
    assert stored[(ind, "_T", 2023)] == (Decimal("38.2"), "estimated", "Survey, second quarter")
    assert stored[(ind, "_T", 2024)] == (Decimal("40.5"), "confidential", "")
    # Removing the flag and the number of a "not available" cell deletes it.
    result = save_values(w.delegate, w.own_submission, [
        CellChange(ind, "_T", 2022, "", "", "", "", "not_available", "The register starts in 2023")])
    assert result.cleared == 1 and (ind, "_T", 2022) not in cells(w.own_submission)


def test_a_flag_that_contradicts_the_value_is_an_error_at_its_cell_and_the_rest_is_saved(w):
    ind = w.indicator.id
    result = save_values(w.delegate, w.own_submission, [
        CellChange(ind, "_T", 2022, "12", "", "not_applicable", ""),
        CellChange(ind, "_T", 2023, "", "", "provisional", ""),
        CellChange(ind, "SEX_F", 2023, "", "", "", "a note alone"),
        CellChange(ind, "SEX_M", 2023, "5", "", "sometimes", ""),
        CellChange(ind, "SEX_F", 2024, "20", "", "provisional", "Until March"),
    ])
    assert result.saved == 1
    assert "must be empty" in result.errors[f"v-{ind}-_T-2022"]
    assert "needs its number" in result.errors[f"v-{ind}-_T-2023"]
    assert "needs a value or a flag" in result.errors[f"v-{ind}-SEX_F-2023"]
    assert "not a flag" in result.errors[f"v-{ind}-SEX_M-2023"]
    assert result.error_fields == {f"v-{ind}-_T-2022": "value", f"v-{ind}-_T-2023": "value",
                                   f"v-{ind}-SEX_F-2023": "note", f"v-{ind}-SEX_M-2023": "flag"}
    assert cells(w.own_submission)[(ind, "SEX_F", 2024)] == (Decimal("20"), "provisional", "Until March")


def test_a_flag_or_note_changed_by_someone_else_is_a_conflict_per_cell(w):
    ind = w.indicator.id
    # Both loaded 1a Total 2024 = 40.5 without flag or note. The other delegate flags it first.
    save_values(w.delegate, w.own_submission,
                [CellChange(ind, "_T", 2024, "40.5", "40.5", "estimated", "", "", "")])
    db.session.commit()
    # This person, from the old form, adds a note and changes another cell.
    result = save_values(w.delegate, w.own_submission, [
        CellChange(ind, "_T", 2024, "40.5", "40.5", "", "From the register", "", ""),
        CellChange(ind, "_T", 2023, "39", "", "", "", "", ""),
    ])
    db.session.commit()
    assert result.saved == 1 and len(result.conflicts) == 1
    conflict = result.conflicts[0]
    assert (conflict.theirs, conflict.theirs_flag, conflict.theirs_note) == ("40.5", "estimated", "")
    assert (conflict.yours_flag, conflict.yours_note) == ("", "From the register")
    assert conflict.theirs_words == "40.5, estimated" and conflict.changed_by == "Dora Delegate"
    assert cells(w.own_submission)[(ind, "_T", 2024)] == (Decimal("40.5"), "estimated", "")
    # Keeping theirs: nothing. Keeping yours: sent again from theirs.
    result = save_values(w.delegate, w.own_submission, [
        CellChange(ind, "_T", 2024, "40.5", "40.5", "", "From the register", "estimated", "")])
    assert result.saved == 1 and not result.conflicts
    assert cells(w.own_submission)[(ind, "_T", 2024)] == (Decimal("40.5"), "", "From the register")


def test_a_cell_sent_back_as_loaded_is_not_written_and_not_in_conflict(w):
    ind = w.indicator.id
    save_values(w.delegate, w.own_submission, [CellChange(ind, "_T", 2024, "40.5", "40.5", "estimated", "n1")])
    db.session.commit()
    # A form loaded before that save sends the cell back untouched (no flag, no note): no conflict, nothing written.
    result = save_values(w.delegate, w.own_submission, [CellChange(ind, "_T", 2024, "40.5", "40.5", "", "")])
    assert (result.saved, result.conflicts) == (0, [])
    # A CellChange without flag and note (None: not sent) keeps the stored ones when the value changes.
    save_values(w.delegate, w.own_submission, [CellChange(ind, "_T", 2024, "41", "40.5")])
    assert cells(w.own_submission)[(ind, "_T", 2024)] == (Decimal("41"), "estimated", "n1")


def test_history_records_flag_and_note_changes_in_words(client, login, w):
    ind = w.indicator.id
    save_values(w.delegate, w.own_submission, [CellChange(ind, "_T", 2024, "40.5", "40.5", "estimated", "LFS")])
    db.session.commit()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "submission.values")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.after == {"channel": "form", f"flag:v-{ind}-_T-2024": "estimated", f"note:v-{ind}-_T-2024": "LFS"}
    login(w.delegate)
    html = client.get(f"/submissions/{w.own_submission.id}").get_data(as_text=True)
    assert "1a Total 2024: flagged estimated, note added" in html


# --- the pages ---------------------------------------------------------------------------------------------

def test_the_grid_marks_flagged_cells_and_its_flag_button_saves_then_opens_the_cell(client, login, w):
    ind = w.indicator.id
    save_values(w.delegate, w.own_submission, [CellChange(ind, "_T", 2024, "40.5", "40.5", "provisional", "Q1")])
    db.session.commit()
    login(w.delegate)
    url = f"/submissions/{w.own_submission.id}/edit"
    html = client.get(url).get_data(as_text=True)
    name = f"v-{ind}-_T-2024"
    assert f'id="{name}-mark">provisional, with note</strong>' in html
    assert f'name="of-{name}" value="provisional"' in html and f'name="on-{name}" value="Q1"' in html
    assert html.count("<select") == 1  # no drop-down per cell: one button each, one dialog for them all
    assert html.count('name="details"') == 21
    # The button saves what was typed, then opens that cell alone.
    form = {f"v-{ind}-_T-2023": "39", f"o-v-{ind}-_T-2023": "", "details": f"v-{ind}-SEX_F-2023"}
    answer = client.post(url, data=form)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/edit/{ind}/SEX_F/2023")
    assert cells(w.own_submission)[(ind, "_T", 2023)] == (Decimal("39"), "", "")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert '<label class="govuk-label" for="flag">' in page and '<label class="govuk-label" for="note">' in page


def test_the_cell_editor_saves_reports_errors_beside_the_field_and_conflicts(client, login, w):
    ind = w.indicator.id
    login(w.delegate)
    url = f"/submissions/{w.own_submission.id}/edit/{ind}/_T/2024"
    html = client.get(url).get_data(as_text=True)
    assert 'name="o-value" value="40.5"' in html and 'value="40.5"' in html
    # A number with "not available": refused beside the value, with what was typed kept.
    answer = client.post(url, data={"value": "40.5", "flag": "not_available", "note": "typed note",
                                    "o-value": "40.5", "o-flag": "", "o-note": ""})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="value-error"' in page and "must be empty" in page
    assert "typed note" in page and "There is a problem" in page
    answer = client.post(url, data={"value": "", "flag": "not_available", "note": "Not collected",
                                    "o-value": "40.5", "o-flag": "", "o-note": ""})
    assert answer.status_code == 302
    assert cells(w.own_submission)[(ind, "_T", 2024)] == (None, "not_available", "Not collected")
    # A stale editor (loaded with 40.5, no flag) is told who changed the cell, with both versions.
    answer = client.post(url, data={"value": "41", "flag": "estimated", "note": "",
                                    "o-value": "40.5", "o-flag": "", "o-note": ""})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 409 and "Theirs: not available, note: Not collected" in page
    assert "Yours: 41, estimated" in page and 'name="o-flag" value="not_available"' in page
    assert cells(w.own_submission)[(ind, "_T", 2024)] == (None, "not_available", "Not collected")
    # Other people and other cells: not found or forbidden.
    assert client.get(f"/submissions/{w.own_submission.id}/edit/{ind}/NOPE/2024").status_code == 404
    login(w.other_delegate)
    assert client.get(url).status_code == 403


def test_the_conflict_form_offers_both_cells_with_flags_and_keeps_the_chosen_one(client, login, w):
    ind = w.indicator.id
    login(w.delegate)
    url = f"/submissions/{w.own_submission.id}/edit"
    name = f"v-{ind}-_T-2024"
    save_values(w.delegate, w.own_submission, [CellChange(ind, "_T", 2024, "", "40.5", "not_available", "")])
    db.session.commit()
    answer = client.post(url, data={name: "42", f"o-{name}": "40.5"})  # a tab loaded before that save
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Keep theirs: not available" in page and "Keep yours: 42" in page
    assert f'name="pick-{name}" type="radio" value="theirs" checked' in page
    banner = page[page.index('id="conflicts"'):page.index("</form>", page.index('id="conflicts"'))]
    chosen = dict(re.findall(r'<input type="hidden" name="([a-z]*-?v-[^"]+)" value="([^"]*)">', banner))
    assert chosen == {f"o-{name}": "", f"of-{name}": "not_available", f"on-{name}": "", name: "42",
                      f"f-{name}": "", f"n-{name}": ""}
    answer = client.post(url, data={**chosen, f"pick-{name}": "yours", "then": "stay"})
    assert answer.status_code == 302
    assert cells(w.own_submission)[(ind, "_T", 2024)] == (Decimal("42"), "", "")


def test_comparability_notes_have_their_own_version_and_are_shown(client, login, w):
    ind = w.indicator.id
    login(w.delegate)
    url = f"/submissions/{w.own_submission.id}/edit"
    html = client.get(url).get_data(as_text=True)
    assert f'<label class="govuk-label" for="cn-{ind}">' in html
    digest = re.search(rf'name="cnh-{ind}" value="(\w+)"', html).group(1)
    answer = client.post(url, data={f"cn-{ind}": "Counts registered jobseekers only.", f"cnv-{ind}": "0",
                                    f"cnh-{ind}": digest})
    assert answer.status_code == 302
    assert comparability.comparability_notes([w.own_submission.id]) == {
        (w.own_submission.id, ind): "Counts registered jobseekers only."}
    # A second tab, loaded before that save, writes its own note: refused, both texts shown.
    answer = client.post(url, data={f"cn-{ind}": "Excludes Bavaria.", f"cnv-{ind}": "0", f"cnh-{ind}": digest})
    page = answer.get_data(as_text=True)
    assert "changed this note after you opened the form" in page and "Counts registered jobseekers only." in page
    assert "Excludes Bavaria.</textarea>" in page
    assert comparability.comparability_notes([w.own_submission.id])[(w.own_submission.id, ind)] == (
        "Counts registered jobseekers only.")
    # Sent back untouched from an old form: not a conflict, nothing written.
    answer = client.post(url, data={f"cn-{ind}": "", f"cnv-{ind}": "0", f"cnh-{ind}": digest})
    assert answer.status_code == 302
    # Shown on the submission page, to the secretariat and (once assigned) reviewers.
    login(w.secretariat)
    page = client.get(f"/submissions/{w.own_submission.id}").get_data(as_text=True)
    assert "Comparability note" in page and "Counts registered jobseekers only." in page
    assert "comparability note changed: 1a" in page
    # Too long: an error beside the field; the values of the same save are kept.
    login(w.delegate)
    version = re.search(rf'name="cnv-{ind}" value="(\d+)"', client.get(url).get_data(as_text=True)).group(1)
    answer = client.post(url, data={f"cn-{ind}": "x" * 4001, f"cnv-{ind}": version,
                                    f"v-{ind}-_T-2023": "37", f"o-v-{ind}-_T-2023": ""})
    page = answer.get_data(as_text=True)
    assert f'id="cn-{ind}-error"' in page and "at most 4000" in page
    assert cells(w.own_submission)[(ind, "_T", 2023)] == (Decimal("37"), "", "")


def test_the_cycle_export_has_flags_notes_and_comparability_notes(client, login, w):
    ind = w.indicator.id
    other = w.other_submission
    w.cycle.status = "open"
    db.session.add(comparability.ComparabilityNote(submission_id=other.id, indicator_id=ind, body="National def."))
    value = services.value_map(other.id)[(ind, "_T", 2024)]
    value.flag, value.note = "confidential", "Register"
    db.session.commit()
    login(w.secretariat)
    text = client.get(f"/submissions/cycles/{w.cycle.id}/values.csv").data.decode("utf-8-sig")
    assert "Hello Work,JP,1a,Transitions into employment,%,_T,Total,2024,50.1,confidential,Register,,National def." \
        in text
