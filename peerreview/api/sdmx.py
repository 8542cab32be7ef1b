"""SDMX: a cycle's published values as SDMX-CSV 2.0, with the SDMX-ML 2.1 structure a reader needs.

Published values: the submitted, non-confidential values of a cycle whose synthesis report is public
(permissions.READ_PUBLISHED_DATA decides; published.shareable_values reads them). One observation a
row; a breakdown fills its own dimension (SEX, AGE or EDUCATION_LEV) and the others are totals (_T).
The observation status comes from the value's flag in SDMX's CL_OBS_STATUS codes; a value without a
number (not available, not applicable) is an observation with an empty OBS_VALUE and status L or M.
Each organisation is the reference area, under the name or anonymous code the cycle publishes it
with (reports.texts.codes_of_cycle, the choice of the delegation or the secretariat: "PES 07").
"""
from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET  # noqa: N817 (writing our own XML, never parsing others')

from flask_babel import force_locale
from sqlalchemy import select

from peerreview.api.published import published_values
from peerreview.cycles.models import Cycle
from peerreview.db_types import utcnow
from peerreview.extensions import db
from peerreview.framework.breakdowns import BY_CODE, DIMENSIONS, TOTAL
from peerreview.framework.services import framework_indicators
from peerreview.numbers import format_plain
from peerreview.organisations.services import organisations_by_id
from peerreview.reports.texts import codes_of_cycle
from peerreview.submissions import flags
from peerreview.submissions.models import Submission

AGENCY = "PEERREVIEW"
VERSION = "1.0"
CONCEPT_SCHEME = "CS_PEERREVIEW"

# SDMX CL_OBS_STATUS: A normal value, B break, E estimated, P provisional, L missing (exists but not
# collected), M missing (cannot exist). Confidential values never leave the app, so never C.
OBS_STATUS = {"": "A", flags.BREAK_IN_SERIES: "B", flags.ESTIMATED: "E", flags.PROVISIONAL: "P",
              flags.NOT_AVAILABLE: "L", flags.NOT_APPLICABLE: "M"}
OBS_STATUS_NAMES = {"A": "Normal value", "B": "Time series break", "E": "Estimated value",
                    "P": "Provisional value", "L": "Missing value; data exist but were not collected",
                    "M": "Missing value; data cannot exist"}

# Breakdown dimension of peerreview -> SDMX dimension id; a member's SDMX code.
BREAKDOWN_DIMENSIONS = {"sex": "SEX", "age": "AGE", "qualification": "EDUCATION_LEV"}
DIMENSION_NAMES = {"SEX": "Sex", "AGE": "Age", "EDUCATION_LEV": "Level of education (ISCED 2011)"}
CONCEPTS = {"REF_AREA": "Reference area (the public employment service)", "INDICATOR": "Indicator",
            **DIMENSION_NAMES, "TIME_PERIOD": "Time period", "OBS_VALUE": "Observation value",
            "OBS_STATUS": "Observation status", "COMMENT_OBS": "Observation comment (the source note)"}
DIMENSION_ORDER = ["REF_AREA", "INDICATOR", "SEX", "AGE", "EDUCATION_LEV"]
COLUMNS = ["STRUCTURE", "STRUCTURE_ID", "ACTION", *DIMENSION_ORDER, "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS",
           "COMMENT_OBS"]
_SDMX_ID = re.compile(r"[^A-Za-z0-9_@$\-]")


def member_code(breakdown_code: str) -> str:
    """A breakdown's code in its SDMX code list ("SEX_F" -> "F"; age and education codes as they are)."""
    return breakdown_code.removeprefix("SEX_")


def dataflow_id(cycle: Cycle) -> str:
    return f"DF_PEERREVIEW_{cycle.id}"


def _dsd_id(cycle: Cycle) -> str:
    return f"DSD_PEERREVIEW_{cycle.id}"


def structure_urn(cycle: Cycle) -> str:
    return f"{AGENCY}:{dataflow_id(cycle)}({VERSION})"


def reference_areas(cycle: Cycle) -> dict[int, tuple[str, str]]:
    """{organisation id: (code, name)} of the cycle's participants, as the cycle publishes them.

    A named organisation: its country (the usual SDMX reference area), made unique with its short name
    when two participants share a country, and its name. One shown under a code: the code ("PES_07"),
    and the code as its name; nothing else about it.
    """
    codes = codes_of_cycle(cycle.id)
    ids = list(db.session.scalars(select(Submission.organisation_id).where(Submission.cycle_id == cycle.id)))
    organisations = sorted(organisations_by_id(ids).values(), key=lambda o: o.id)
    countries = [o.country.upper() for o in organisations if o.id not in codes]
    areas = {}
    for org in organisations:
        if org.id in codes:
            areas[org.id] = (_SDMX_ID.sub("_", codes[org.id]), codes[org.id])
            continue
        code = org.country.upper()
        if countries.count(code) > 1:
            code = f"{code}_{org.short_name.upper()}"
        areas[org.id] = (_SDMX_ID.sub("_", code), org.name)
    return areas


def _observation_rows(cycle: Cycle):
    areas = reference_areas(cycle)
    codes = {i.id: i.code for i in framework_indicators(cycle.framework_id)}
    for v in published_values(cycle.id):
        if v.organisation_id not in areas or v.indicator_id not in codes or v.breakdown not in BY_CODE:
            continue
        key = {"REF_AREA": areas[v.organisation_id][0], "INDICATOR": codes[v.indicator_id],
               "SEX": "_T", "AGE": "_T", "EDUCATION_LEV": "_T"}
        breakdown = BY_CODE[v.breakdown]
        if breakdown.code != TOTAL.code:
            key[BREAKDOWN_DIMENSIONS[breakdown.dimension]] = member_code(breakdown.code)
        yield key, v


def data_csv(cycle: Cycle) -> str:
    """SDMX-CSV 2.0.0: one observation a row, comma-separated, UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for key, v in _observation_rows(cycle):
        writer.writerow(["dataflow", structure_urn(cycle), "I", *(key[d] for d in DIMENSION_ORDER), str(v.year),
                         format_plain(v.value) if v.value is not None else "", OBS_STATUS.get(v.flag, "A"), v.note])
    return out.getvalue()


# --- SDMX-ML 2.1 structure message -------------------------------------------------------------

NS = {"mes": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message",
      "str": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure",
      "com": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _q(tag: str) -> str:
    prefix, name = tag.split(":")
    return f"{{{NS[prefix]}}}{name}"


def _el(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, _q(tag), {k: str(v) for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _name(parent, text: str) -> None:
    _el(parent, "com:Name", text, **{XML_LANG: "en"})


def _ref(parent, **attrs) -> None:
    ET.SubElement(parent, "Ref", {k: str(v) for k, v in attrs.items()})  # unqualified, as SDMX-ML 2.1 wants


def _codelists(cycle: Cycle) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """{codelist id: (name, [(code, name)])}."""
    indicators = framework_indicators(cycle.framework_id)
    lists = {
        f"CL_REF_AREA_{cycle.id}": ("Participants of " + cycle.title,
                                    sorted(reference_areas(cycle).values())),
        f"CL_INDICATOR_{cycle.framework_id}": ("Indicators of " + cycle.framework.name,
                                               [(i.code, f"{i.name} ({i.unit})") for i in indicators]),
        "CL_OBS_STATUS": ("Observation status", sorted(OBS_STATUS_NAMES.items())),
    }
    for dimension, (_label, members) in DIMENSIONS.items():
        sdmx_id = BREAKDOWN_DIMENSIONS[dimension]
        lists[f"CL_{sdmx_id}"] = (DIMENSION_NAMES[sdmx_id], [(TOTAL.code, "Total")] + [
            (member_code(m.code), _english(m.label)) for m in members])
    return lists


def _english(label) -> str:
    """Code names in the structure are English, whatever the reader's language (an exchange format)."""
    with force_locale("en"):
        return str(label)


def _codelist_of(cycle: Cycle, component: str) -> str:
    return {"REF_AREA": f"CL_REF_AREA_{cycle.id}", "INDICATOR": f"CL_INDICATOR_{cycle.framework_id}",
            "OBS_STATUS": "CL_OBS_STATUS"}.get(component, f"CL_{component}")


def _concept(parent, component: str) -> None:
    identity = _el(parent, "str:ConceptIdentity")
    _ref(identity, id=component, maintainableParentID=CONCEPT_SCHEME, maintainableParentVersion=VERSION,
         agencyID=AGENCY, package="conceptscheme", **{"class": "Concept"})


def _enumeration(parent, codelist: str) -> None:
    representation = _el(parent, "str:LocalRepresentation")
    enumeration = _el(representation, "str:Enumeration")
    _ref(enumeration, id=codelist, version=VERSION, agencyID=AGENCY, package="codelist", **{"class": "Codelist"})


def structure_xml(cycle: Cycle) -> bytes:
    for prefix, uri in NS.items():
        ET.register_namespace(prefix, uri)
    root = ET.Element(_q("mes:Structure"))
    header = _el(root, "mes:Header")
    _el(header, "mes:ID", f"STRUCTURE_{dataflow_id(cycle)}")
    _el(header, "mes:Test", "false")
    _el(header, "mes:Prepared", utcnow().replace(microsecond=0).isoformat())
    _el(header, "mes:Sender", id=AGENCY)
    structures = _el(root, "mes:Structures")

    dataflows = _el(structures, "str:Dataflows")
    dataflow = _el(dataflows, "str:Dataflow", id=dataflow_id(cycle), agencyID=AGENCY, version=VERSION)
    _name(dataflow, f"{cycle.title}: published values")
    _ref(_el(dataflow, "str:Structure"), id=_dsd_id(cycle), agencyID=AGENCY, version=VERSION,
         package="datastructure", **{"class": "DataStructure"})

    codelists = _el(structures, "str:Codelists")
    for list_id, (list_name, codes) in _codelists(cycle).items():
        codelist = _el(codelists, "str:Codelist", id=list_id, agencyID=AGENCY, version=VERSION)
        _name(codelist, list_name)
        for code, code_name in codes:
            _name(_el(codelist, "str:Code", id=code), code_name)

    concepts = _el(_el(structures, "str:Concepts"), "str:ConceptScheme", id=CONCEPT_SCHEME, agencyID=AGENCY,
                   version=VERSION)
    _name(concepts, "Concepts of peerreview's data exchange")
    for concept_id, concept_name in CONCEPTS.items():
        _name(_el(concepts, "str:Concept", id=concept_id), concept_name)

    dsd = _el(_el(structures, "str:DataStructures"), "str:DataStructure", id=_dsd_id(cycle), agencyID=AGENCY,
              version=VERSION)
    _name(dsd, f"{cycle.title}: indicators by participant, breakdown and year")
    components = _el(dsd, "str:DataStructureComponents")
    dimensions = _el(components, "str:DimensionList", id="DimensionDescriptor")
    for position, dimension_id in enumerate(DIMENSION_ORDER, start=1):
        dimension = _el(dimensions, "str:Dimension", id=dimension_id, position=position)
        _concept(dimension, dimension_id)
        _enumeration(dimension, _codelist_of(cycle, dimension_id))
    time = _el(dimensions, "str:TimeDimension", id="TIME_PERIOD", position=len(DIMENSION_ORDER) + 1)
    _concept(time, "TIME_PERIOD")
    _el(_el(time, "str:LocalRepresentation"), "str:TextFormat", textType="ObservationalTimePeriod")
    attributes = _el(components, "str:AttributeList", id="AttributeDescriptor")
    for attribute_id in ("OBS_STATUS", "COMMENT_OBS"):
        attribute = _el(attributes, "str:Attribute", id=attribute_id, assignmentStatus="Conditional")
        _concept(attribute, attribute_id)
        if attribute_id == "OBS_STATUS":
            _enumeration(attribute, "CL_OBS_STATUS")
        else:
            _el(_el(attribute, "str:LocalRepresentation"), "str:TextFormat", textType="String")
        _ref(_el(_el(attribute, "str:AttributeRelationship"), "str:PrimaryMeasure"), id="OBS_VALUE")
    measures = _el(components, "str:MeasureList", id="MeasureDescriptor")
    measure = _el(measures, "str:PrimaryMeasure", id="OBS_VALUE")
    _concept(measure, "OBS_VALUE")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
