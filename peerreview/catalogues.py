"""The translation catalogues: their state, and the hand-off to and from translators.

Babel (`pybabel extract/update/compile`, run by `make messages`) keeps the catalogues; this
module adds what Babel does not: a completeness and placeholder check that the tests and
`make messages` share, a compile step that runs only when a catalogue changed, and a JSON
hand-off (`todo` / `apply`) so that translators can work on untranslated messages without
editing `.po` syntax by hand.

    python -m peerreview.catalogues status
    python -m peerreview.catalogues todo fr /tmp/fr.json [--part 1/2]
    python -m peerreview.catalogues check /tmp/fr.json
    python -m peerreview.catalogues apply fr /tmp/fr.json
    python -m peerreview.catalogues compile
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from peerreview.i18n import TRANSLATION_LOCALES

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
#: The languages besides English (the source language) that every message must exist in.
TRANSLATED_LOCALES = TRANSLATION_LOCALES
#: printf-style placeholders as Flask-Babel formats them: %(name)s, %(count)d, %s, and a literal %%.
_PLACEHOLDER = re.compile(r"%(?:\(([A-Za-z_][A-Za-z0-9_]*)\))?[#0 +-]*\d*(?:\.\d+)?[sdifr%]")


def placeholders(text: str) -> list[str]:
    """The placeholders of a message, sorted (their order may change in a translation)."""
    return sorted(match.group(0) for match in _PLACEHOLDER.finditer(text) if match.group(0) != "%%")


@dataclass(frozen=True)
class Problem:
    locale: str
    msgid: str
    what: str

    def __str__(self) -> str:
        return f"{self.locale}: {self.msgid[:70]!r}: {self.what}"


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def load(locale: str) -> Catalog:
    with po_path(locale).open("rb") as handle:
        return read_po(handle, locale=locale)


def load_template() -> Catalog:
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        return read_po(handle)


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def problems(locale: str, template: Catalog | None = None) -> list[Problem]:
    """Every message of the template that `locale` lacks, leaves fuzzy, or translates with
    placeholders other than the original's."""
    template = template or load_template()
    catalog = load(locale)
    found: list[Problem] = []
    # Babel's own checks first (what `pybabel compile` refuses: incompatible python-format placeholders)
    for message, errors in catalog.check():
        if message.id and all(_strings(message)):
            found.extend(Problem(locale, _ids(message)[0], str(error)) for error in errors)
    for source in template:
        if not source.id:
            continue
        message = catalog.get(source.id)
        key = _ids(source)[0]
        if message is None or not all(_strings(message)):
            found.append(Problem(locale, key, "not translated"))
            continue
        if message.fuzzy:
            found.append(Problem(locale, key, "fuzzy (needs a translator's check)"))
            continue
        expected = placeholders(_ids(source)[-1])
        singular = placeholders(_ids(source)[0])
        for form in _strings(message):
            got = placeholders(form)
            # A plural form may drop the count ("one file" for %(num)d files) but never add one.
            if got != expected and got != singular and not set(got) <= set(expected):
                found.append(Problem(locale, key, f"placeholders {got} differ from {expected}"))
                break
    return found


def todo(locale: str, part: str | None = None) -> list[dict]:
    """The messages of `locale` still to translate, as JSON-ready records for a translator."""
    missing = {problem.msgid for problem in problems(locale)}
    template = load_template()
    records = []
    for source in template:
        if not source.id or _ids(source)[0] not in missing:
            continue
        ids = _ids(source)
        record = {"msgid": ids[0], "translation": ""}
        if len(ids) > 1:
            record["msgid_plural"] = ids[1]
            record["translation"] = ["", ""]
        if source.auto_comments:
            record["note"] = " ".join(source.auto_comments)
        records.append(record)
    if part:
        index, count = (int(number) for number in part.split("/"))
        size = -(-len(records) // count)
        records = records[(index - 1) * size:index * size]
    return records


def apply(locale: str, records: list[dict]) -> int:
    """Write translators' records into the catalogue of `locale`; returns how many were taken."""
    catalog = load(locale)
    taken = 0
    for record in records:
        translation = record.get("translation")
        if not translation or (isinstance(translation, list) and not all(translation)):
            continue
        key = (record["msgid"], record["msgid_plural"]) if "msgid_plural" in record else record["msgid"]
        message = catalog.get(key)
        if message is None:
            continue
        if isinstance(translation, list):
            # Translators give [singular, plural]; CLDR gives French and Spanish a third form
            # ("many", for round millions), which takes the plural.
            forms = list(translation) + [translation[-1]] * (catalog.num_plurals - len(translation))
            message.string = tuple(forms[:catalog.num_plurals])
        else:
            message.string = translation
        message.flags.discard("fuzzy")
        taken += 1
    with po_path(locale).open("wb") as handle:
        write_po(handle, catalog, width=None)  # as `pybabel update --no-wrap`
    return taken


def compile_all(force: bool = False) -> list[str]:
    """Compile each `.po` into its `.mo` when the `.po` is newer; returns the locales compiled."""
    compiled = []
    for locale in TRANSLATED_LOCALES:
        source = po_path(locale)
        target = source.with_suffix(".mo")
        if not source.exists():
            continue
        if not force and target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            continue
        catalog = load(locale)
        with target.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        compiled.append(locale)
    return compiled


def main(argv: list[str]) -> int:
    command, *rest = argv or ["status"]
    if command == "status":
        template = load_template()
        total = sum(1 for message in template if message.id)
        worst = 0
        for locale in TRANSLATED_LOCALES:
            found = problems(locale, template)
            worst = max(worst, len(found))
            print(f"{locale}: {total - len(found)}/{total} messages translated, {len(found)} to do")
            for problem in found[:20]:
                print(f"  {problem}")
        return 1 if worst else 0
    if command == "todo":
        locale, out, *options = rest
        part = options[1] if options[:1] == ["--part"] else None
        records = todo(locale, part)
        Path(out).write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"{len(records)} messages for {locale} written to {out}")
        return 0
    if command == "apply":
        locale, source = rest
        taken = apply(locale, json.loads(Path(source).read_text(encoding="utf-8")))
        print(f"{taken} translations taken into {po_path(locale)}")
        return 0
    if command == "check":  # a translator's JSON file before `apply`
        (source,) = rest
        bad = 0
        for record in json.loads(Path(source).read_text(encoding="utf-8")):
            forms = record["translation"] if isinstance(record["translation"], list) else [record["translation"]]
            expected = set(placeholders(record.get("msgid_plural", record["msgid"])))
            expected |= set(placeholders(record["msgid"]))
            for form in forms:
                if not form or not set(placeholders(form)) <= expected or (
                        "msgid_plural" not in record and placeholders(form) != placeholders(record["msgid"])):
                    bad += 1
                    what = "empty" if not form else f"placeholders {placeholders(form)}"
                    print(f"{record['msgid'][:70]!r}: {what}")
                    break
        print(f"{bad} records to fix in {source}")
        return 1 if bad else 0
    if command == "compile":
        print("compiled:", ", ".join(compile_all(force=True)) or "nothing")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
