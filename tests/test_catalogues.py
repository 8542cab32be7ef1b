"""The French and Spanish catalogues are complete, and the checks that say so catch what they must."""
from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from peerreview import catalogues


@pytest.mark.parametrize("locale", catalogues.TRANSLATED_LOCALES)
def test_every_message_is_translated_with_the_same_placeholders(locale):
    found = catalogues.problems(locale)
    assert found == [], f"{len(found)} problems in {locale}, e.g.:\n" + "\n".join(str(p) for p in found[:15])


def test_placeholders_are_found_in_any_order_and_a_literal_percent_is_not_one():
    assert catalogues.placeholders("%(org)s submitted %(count)d values to %(cycle)s") == [
        "%(count)d", "%(cycle)s", "%(org)s"]
    assert catalogues.placeholders("%(cycle)s: %(org)s") == catalogues.placeholders("%(org)s – %(cycle)s")
    assert catalogues.placeholders("50 %% of %s") == ["%s"]
    assert catalogues.placeholders("No placeholder at all") == []


def _write(path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog)


@pytest.fixture()
def tiny(tmp_path, monkeypatch):
    """A template of four messages and a French catalogue with one of each kind of problem."""
    monkeypatch.setattr(catalogues, "TRANSLATIONS", tmp_path)
    template = Catalog()
    for message in ("Sign in", "Hello %(name)s,", "%(org)s submitted to %(cycle)s", "Save"):
        template.add(message)
    template.add(("%(num)d comment", "%(num)d comments"))
    _write(tmp_path / "messages.pot", template)
    french = Catalog(locale="fr")
    french.add("Sign in", "Se connecter")
    french.add("Hello %(name)s,", "Bonjour %(nom)s,")  # a placeholder renamed
    french.add("%(org)s submitted to %(cycle)s", "%(cycle)s : %(org)s a soumis")  # order changed: fine
    french.add("Save", "")  # not translated
    # French has three plural forms in CLDR (one, many, other); the first may drop the count.
    french.add(("%(num)d comment", "%(num)d comments"),
               ("un commentaire", "%(num)d de commentaires", "%(num)d commentaires"))
    _write(tmp_path / "fr" / "LC_MESSAGES" / "messages.po", french)
    return tmp_path


def test_a_missing_translation_and_a_placeholder_mismatch_are_caught(tiny):
    found = catalogues.problems("fr")
    assert {p.msgid for p in found} == {"Save", "Hello %(name)s,"}  # the reordered one and the plural are fine
    assert [p.what for p in found if p.msgid == "Save"] == ["not translated"]
    assert any(p.what.startswith("placeholders") for p in found if p.msgid == "Hello %(name)s,")


def test_a_fuzzy_translation_is_not_taken_as_done(tiny):
    from babel.messages.pofile import read_po

    path = tiny / "fr" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        french = read_po(handle, locale="fr")
    french.get("Sign in").flags.add("fuzzy")
    _write(path, french)
    assert "Sign in" in {p.msgid for p in catalogues.problems("fr")}


def test_apply_takes_a_translators_records_and_then_nothing_is_missing(tiny):
    taken = catalogues.apply("fr", [{"msgid": "Save", "translation": "Enregistrer"},
                                    {"msgid": "Hello %(name)s,", "translation": "Bonjour %(name)s,"},
                                    {"msgid": "Unknown", "translation": "Inconnu"}])
    assert taken == 2
    assert catalogues.problems("fr") == []
    assert catalogues.compile_all() == ["fr"]
    assert (tiny / "fr" / "LC_MESSAGES" / "messages.mo").exists()
    assert catalogues.compile_all() == []  # compiled only when the .po is newer
