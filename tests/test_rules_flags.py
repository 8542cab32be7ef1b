"""The rules of one cell's value, flag and source note (peerreview/submissions/flags.py) and its history in words."""
from decimal import Decimal

import pytest

from peerreview.submissions import flags
from peerreview.submissions.history import change_words, changed_cells


@pytest.mark.parametrize(("text", "code"), [
    ("not available", "not_available"), ("NOT_AVAILABLE", "not_available"), (" Break  in_series ", "break_in_series"),
    ("confidential", "confidential"), ("Estimated", "estimated"), ("provisional", "provisional"),
    ("not applicable", "not_applicable"), ("", ""), ("   ", ""), ("maybe", None), ("not", None),
])
def test_flag_codes_and_labels_in_any_case(app, text, code):
    assert flags.flag_code(text) == code


def test_labels_and_notes(app):
    with app.test_request_context():
        assert flags.flag_label("break_in_series") == "break in series"
        assert flags.flag_label("") == "" and flags.flag_label("nonsense") == ""
    assert flags.clean_note("  a\r\nb\rc  ") == "a\nb\nc"
    assert flags.clean_note(None) == ""


ALL = "not available, not applicable, confidential, estimated, provisional, break in series"


@pytest.mark.parametrize(("value", "flag", "note", "field", "message"), [
    (None, "not_available", "", None, None),
    (None, "not_applicable", "Register closed", None, None),
    (Decimal("0"), "not_available", "", "value",
     "A value flagged “not available” must be empty: remove the value or the flag."),
    (Decimal("3"), "not_applicable", "", "value",
     "A value flagged “not applicable” must be empty: remove the value or the flag."),
    (None, "estimated", "", "value",
     "A value flagged “estimated” needs its number: enter it, or choose “not available”."),
    (None, "confidential", "", "value",
     "A value flagged “confidential” needs its number: enter it, or choose “not available”."),
    (Decimal("3"), "estimated", "LFS", None, None),
    (Decimal("3"), "confidential", "", None, None),
    (Decimal("3"), "", "", None, None),
    (None, "", "", None, None),
    (None, "", "a note", "note",
     "A note needs a value or a flag beside it: enter the value, or flag why there is none."),
    (Decimal("3"), "", "x" * 2000, None, None),
    (Decimal("3"), "", "x" * 2001, "note", "The note has 2001 characters; at most 2000 are accepted."),
    (Decimal("3"), "bogus", "", "flag", f"“bogus” is not a flag; choose one of: {ALL}."),
])
def test_what_goes_together_in_one_cell(app, value, flag, note, field, message):
    with app.test_request_context():
        problem = flags.cell_problem(value, flag, note)
    assert problem == (None if field is None else (field, message))


def test_what_others_may_see(app):
    assert flags.shown_to_others(Decimal("1"), "")
    assert flags.shown_to_others(Decimal("1"), "estimated")
    assert flags.shown_to_others(Decimal("0"), "provisional")
    assert not flags.shown_to_others(Decimal("1"), "confidential")
    assert not flags.shown_to_others(None, "not_available")
    assert not flags.shown_to_others(None, "")


def test_a_cell_in_words(app):
    with app.test_request_context():
        assert flags.describe("12.5", "estimated", "LFS") == "12.5, estimated, note: LFS"
        assert flags.describe("", "not_available", "") == "not available"
        assert flags.describe("", "", "") == "empty"
        assert flags.describe("7", "", "") == "7"


def test_history_in_words_hides_confidential_numbers(app):
    before = {"v-1-_T-2022": "40", "flag:v-1-_T-2022": "", "flag:v-1-F-2022": "estimated", "flag:v-1-M-2022": "",
              "note:v-1-F-2022": "old", "note:v-1-M-2022": ""}
    after = {"v-1-_T-2022": "41", "channel": "form", "flag:v-1-_T-2022": "estimated", "flag:v-1-F-2022": "",
             "flag:v-1-M-2022": "confidential", "note:v-1-F-2022": "new", "note:v-1-M-2022": "from the register"}
    labels = {"v-1-_T-2022": "1a Total 2022", "v-1-F-2022": "1a Women 2022", "v-1-M-2022": "1a Men 2022"}
    assert changed_cells(after) == ["v-1-_T-2022", "v-1-F-2022", "v-1-M-2022"]
    with app.test_request_context():
        assert change_words(before, after, labels, set()) == [
            "1a Total 2022: 40 → 41, flagged estimated", "1a Women 2022: flag estimated removed, note changed",
            "1a Men 2022: flagged confidential, note added"]
        assert change_words(before, after, labels, {"v-1-_T-2022"})[0] == (
            "1a Total 2022: confidential value changed, flagged estimated")
        removed = change_words({"note:v-1-F-2022": "old"}, {"note:v-1-F-2022": ""}, labels, set())
        assert removed == ["1a Women 2022: note removed"]
        secret = change_words({"v-1-M-2022": None, "flag:v-1-M-2022": ""},
                              {"v-1-M-2022": "77.7", "flag:v-1-M-2022": "confidential"}, labels, set())
        assert secret == ["1a Men 2022: confidential value changed, flagged confidential"]
        was_secret = change_words({"v-1-M-2022": "77.7", "flag:v-1-M-2022": "confidential"},
                                  {"v-1-M-2022": "78", "flag:v-1-M-2022": ""}, labels, set())
        assert was_secret == ["1a Men 2022: confidential value changed, flag confidential removed"]


def test_history_in_words_of_new_and_emptied_values_and_cells_without_a_label(app):
    with app.test_request_context():
        assert change_words({"v-1-_T-2022": None}, {"v-1-_T-2022": "12"}, {"v-1-_T-2022": "1a Total 2022"},
                            set()) == ["1a Total 2022: – → 12"]
        assert change_words({"v-1-_T-2022": "12"}, {"v-1-_T-2022": None}, {}, set()) == ["v-1-_T-2022: 12 → –"]
