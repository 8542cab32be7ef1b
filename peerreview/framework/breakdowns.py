"""The breakdowns indicators are collected by, coded as in SDMX (SEX, AGE).

A fixed catalogue rather than a table: every value row carries its breakdown code,
and the set of dimensions is part of the method, not something a cycle invents.
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Breakdown:
    code: str
    dimension: str
    label: object  # lazy string


TOTAL = Breakdown("_T", "total", _l("Total"))

DIMENSIONS: dict[str, tuple[object, tuple[Breakdown, ...]]] = {
    "sex": (
        _l("By sex"),
        (Breakdown("SEX_F", "sex", _l("Women")), Breakdown("SEX_M", "sex", _l("Men"))),
    ),
    "age": (
        _l("By age group"),
        (
            Breakdown("Y_LT25", "age", _l("Aged under 25")),
            Breakdown("Y25-49", "age", _l("Aged 25 to 49")),
            Breakdown("Y_GE50", "age", _l("Aged 50 and over")),
        ),
    ),
    # ISCED 2011 level groups, coded as in SDMX's CL_ISCED11 aggregates.
    "qualification": (
        _l("By qualification level"),
        (
            Breakdown("ED0-2", "qualification", _l("Low qualification (ISCED 0-2)")),
            Breakdown("ED3_4", "qualification", _l("Medium qualification (ISCED 3-4)")),
            Breakdown("ED5-8", "qualification", _l("High qualification (ISCED 5-8)")),
        ),
    ),
}

BY_CODE: dict[str, Breakdown] = {TOTAL.code: TOTAL}
for _label, members in DIMENSIONS.values():
    for member in members:
        BY_CODE[member.code] = member


def breakdowns_for(dimensions: str) -> list[Breakdown]:
    """Total first, then each member of each dimension, in catalogue order."""
    chosen = set(dimensions.split()) if dimensions else set()
    result = [TOTAL]
    for name, (_label, members) in DIMENSIONS.items():
        if name in chosen:
            result.extend(members)
    return result


def dimension_choices() -> list[tuple[str, object]]:
    return [(name, label) for name, (label, _members) in DIMENSIONS.items()]
