"""Charts: accessible SVG with real text, an axis, full names, locale numbers, and never larger
than a printed page (issue 9, findings 1 and 2)."""
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from peerreview.charts import CHAR_WIDTH, PAGE_HEIGHT, WIDTH, Bar, StripRow, bar_chart, nice_ticks, strip_chart

NS = {"s": "http://www.w3.org/2000/svg"}


def _svg(markup) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 (our own output, in a test)


def _size(svg: ET.Element) -> tuple[float, float]:
    _x, _y, width, height = (float(v) for v in svg.get("viewBox").split())
    return width, height


def _texts(svg: ET.Element) -> list[ET.Element]:
    return svg.findall(".//s:text", NS)


def _right_edge(text: ET.Element) -> float:
    x, length = float(text.get("x")), len(text.text or "") * CHAR_WIDTH
    anchor = text.get("text-anchor", "start")
    return x + (length if anchor == "start" else length / 2 if anchor == "middle" else 0)


def _many(n: int, own: int = 77) -> list[Bar]:
    return [Bar(f"Public Employment Service number {i}", Decimal(1000 + i * 997), i == own) for i in range(n)]


def test_a_bar_chart_has_a_title_a_description_an_axis_and_full_names(app):
    with app.test_request_context():
        svg = _svg(bar_chart([Bar("Bundesagentur für Arbeit (DE)", Decimal("144897"), True),
                              Bar("Bosnia and Herzegovina PES (BA)", Decimal("61404"))],
                             title="3a Vacancies filled (2024)", unit="vacancies", decimals=0,
                             median=Decimal("103150.5")))
    assert svg.get("role") == "img"
    assert svg.find("s:title", NS).text == "3a Vacancies filled (2024)"
    assert "Median 103,151" in svg.find("s:desc", NS).text  # half-up at display: .5 goes up
    words = [t.text for t in _texts(svg)]
    assert "Bundesagentur für Arbeit (DE)" in words and "Bosnia and Herzegovina PES (BA)" in words
    assert "144,897 vacancies" in words and "61,404 vacancies" in words  # thousands separators
    assert "0" in words and any(re.fullmatch(r"\d{2,3},000", w or "") for w in words)  # axis ticks


def test_value_labels_of_long_units_are_never_cut_at_the_margin(app):
    with app.test_request_context():
        svg = _svg(bar_chart([Bar("A", Decimal("312284"), True), Bar("B", Decimal("144897"))],
                             title="Registered stock", unit="persons registered", decimals=0))
    width, _height = _size(svg)
    for text in _texts(svg):
        assert _right_edge(text) <= width, text.text


def test_the_chart_and_its_table_round_the_median_the_same_way(app):
    with app.test_request_context():
        svg = _svg(bar_chart([Bar("A", Decimal("48.1")), Bar("B", Decimal("48.2"))], title="t",
                             median=Decimal("48.15"), decimals=1))
    assert "median 48.2" in [t.text for t in _texts(svg)]  # the median label


def test_numbers_follow_the_locale(app):
    with app.test_request_context(headers={"Accept-Language": "de"}):
        markup = str(bar_chart([Bar("A", Decimal("61404.5"))], title="t", decimals=1, locale="de"))
    assert "61.404,5" in markup


def test_names_are_escaped(app):
    with app.test_request_context():
        markup = str(bar_chart([Bar("<script>alert(1)</script>", Decimal("1"))], title="<b>x</b>"))
    assert "<script>" not in markup and "&lt;script&gt;" in markup and "<b>" not in markup
    _svg(markup)  # still well-formed


def test_at_150_organisations_a_chart_fits_a_page_and_shows_the_reviewed_pes(app):
    with app.test_request_context():
        svg = _svg(bar_chart(_many(150), title="1a", unit="%", decimals=1, median=Decimal("75000"),
                             max_height=PAGE_HEIGHT, quartiles=(Decimal("40000"), Decimal("110000"))))
    width, height = _size(svg)
    assert width <= WIDTH and height <= PAGE_HEIGHT
    texts = [t.text or "" for t in _texts(svg)]
    assert any(t.startswith("Public Employment Service number 77:") for t in texts)  # the reviewed PES, named
    assert len(svg.findall(".//s:circle", NS)) == 151  # every organisation a dot, plus the highlighted one
    assert len(svg.findall(".//s:rect", NS)) == 1  # the box of the middle half
    for text in _texts(svg):
        assert _right_edge(text) <= width, text.text


def test_few_organisations_stay_bars_within_the_page(app):
    with app.test_request_context():
        svg = _svg(bar_chart(_many(30, own=3), title="1a", max_height=PAGE_HEIGHT))
    assert len(svg.findall(".//s:rect", NS)) == 30
    assert _size(svg)[1] <= PAGE_HEIGHT


def test_bars_run_best_first_in_the_indicators_direction(app):
    items = [Bar("low", Decimal("1")), Bar("high", Decimal("9")), Bar("none", None)]
    with app.test_request_context():
        higher = [t.text for t in _texts(_svg(bar_chart(items, title="t"))) if t.text in ("low", "high", "none")]
        lower = [t.text for t in _texts(_svg(bar_chart(items, title="t", direction="lower")))
                 if t.text in ("low", "high", "none")]
    assert higher == ["high", "low"] and lower == ["low", "high"]  # no value, no bar


def test_no_values_no_chart(app):
    with app.test_request_context():
        assert str(bar_chart([Bar("A", None)], title="t")) == ""
        assert str(strip_chart([StripRow("x", [])], title="t")) == ""


def test_strip_chart_shows_quartiles_median_and_the_organisation(app):
    values = [Decimal(v) for v in ("10", "20", "30", "40", "50")]
    with app.test_request_context():
        svg = _svg(strip_chart([StripRow("1a Transitions", values, Decimal("40"), "Hello Work", Decimal("30"),
                                         Decimal("20"), Decimal("40")),
                                StripRow("3a Vacancies", values, None, "", Decimal("30"))],
                               title="Profile", units=["%", "vacancies"], decimals_per_row=[1, 0]))
    description = svg.find("s:desc", NS).text
    assert "1a Transitions: 5 organisations from 10.0 to 50.0, median 30.0, Hello Work: 40.0 %." in description
    assert "3a Vacancies: 5 organisations from 10 to 50, median 30." in description
    assert len(svg.findall(".//s:rect", NS)) == 1  # the quartile box of the first row only
    width, height = _size(svg)
    assert height < 150
    for text in _texts(svg):
        assert _right_edge(text) <= width, text.text


@pytest.mark.parametrize(("low", "high", "ticks"), [
    (0, 97, [0, 20, 40, 60, 80, 100]),
    (0, 144897, [0, 50000, 100000, 150000]),
    (-3, 7, [-4, -2, 0, 2, 4, 6, 8]),
    (0, 0.9, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    (5, 5, [5, 5.2, 5.4, 5.6, 5.8, 6.0]),
])
def test_axis_ticks_are_round_numbers_covering_the_values(low, high, ticks):
    assert nice_ticks(low, high) == pytest.approx(ticks)


@pytest.mark.parametrize("own", ["99999", "50001", "1"])
def test_the_highlighted_label_of_a_strip_is_never_cut(app, own):
    values = [Decimal(v) for v in ("1", "50000", "99999")]
    with app.test_request_context():
        svg = _svg(strip_chart([StripRow("3a Job vacancies filled", values, Decimal(own),
                                         "Labour and Employment Agency of Bosnia and Herzegovina")],
                               title="t", unit="vacancies", decimals=0))
    width, _height = _size(svg)
    for text in _texts(svg):
        left = _right_edge(text) - len(text.text or "") * CHAR_WIDTH
        assert left >= 0 and _right_edge(text) <= width, text.text


def test_a_shortened_name_keeps_its_country():
    from peerreview.charts import _short

    short = _short("Korea Employment Information Service of the Republic (KR)", 38)
    assert short.endswith("… (KR)") and len(short) <= 38
    assert _short("Bundesagentur für Arbeit (DE)", 38) == "Bundesagentur für Arbeit (DE)"
    assert _short("A name without a country that is far too long to fit", 20) == "A name without a co…"


def test_without_value_labels_the_bars_take_their_room_and_nothing_is_cut(app):
    """The synthesis report prints every value in the table under its chart: the chart leaves out the
    value labels (half its text, a tenth of the render time) and its bars use the width they took."""
    items = [Bar("Bundesagentur für Arbeit (DE)", Decimal("144897"), True), Bar("VDAB (BE)", Decimal("61404"))]
    with app.test_request_context():
        labelled = _svg(bar_chart(items, title="3a", unit="vacancies", decimals=0))
        bare = _svg(bar_chart(items, title="3a", unit="vacancies", decimals=0, value_labels=False))
    words = [t.text for t in _texts(bare)]
    assert "144,897 vacancies" not in words and "61,404 vacancies" not in words
    assert "Bundesagentur für Arbeit (DE)" in words and "VDAB (BE)" in words  # the names stay
    assert "150,000" in words  # and the axis, up to its last tick
    widest = [float(r.get("width")) for r in bare.findall(".//s:rect", NS)]
    assert max(widest) > max(float(r.get("width")) for r in labelled.findall(".//s:rect", NS)) + 50
    width, _height = _size(bare)
    for text in _texts(bare):
        assert _right_edge(text) <= width, text.text
