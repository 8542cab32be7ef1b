"""Small SVG charts for pages and PDFs: a bar chart and a strip (dot) chart.

Hand-written on purpose. The charts must look the same in the browser (no JavaScript under
a strict CSP) and in WeasyPrint, which draws inline SVG but runs no JavaScript. Measured
costs per chart in a PDF (../shared/FEASIBILITY.md): a minimal hand SVG ~14 ms, pygal ~80 ms,
matplotlib ~140 ms and it turns text into outlines (no searchable or accessible text). A
synthesis report at 150 organisations draws dozens of charts, so the difference is seconds.

Every chart: real <text>, a <title> and a <desc> (the accessible name and description,
also the alt text in a tagged PDF), an axis with locale-formatted numbers, full names (never
the short codes: "BA" is the Bundesagentur and also Bosnia and Herzegovina's code), value
labels inside the drawing, and a height that never passes `max_height` (a page). Numbers
are rounded once, here, with the one rule of peerreview.numbers. Every text is escaped.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from markupsafe import Markup, escape

from peerreview.numbers import format_number

WIDTH = 640
FONT = 11
CHAR_WIDTH = 6.2  # average advance of an 11 px sans-serif character, generous
ROW = 18
GAP = 5
LABEL_CHARS = 38
# A4 portrait content box (170 x 247 mm) at the chart's width of 640 units, less a heading.
PAGE_HEIGHT = 850
HIGHLIGHT = "#1d70b8"
MUTED = "#9aa5b1"
MEDIAN = "#d4351c"
_ids = itertools.count(1)


def _text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH + 4


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    """Shortened to fit, keeping a trailing "(country)": the part that tells two names apart."""
    if len(label) <= limit:
        return label
    name, bracket, suffix = label.rpartition(" (")
    if bracket and suffix.endswith(")") and len(suffix) < limit // 2:
        tail = f" ({suffix}"
        return name[: limit - len(tail) - 1].rstrip() + "…" + tail
    return label[: limit - 1].rstrip() + "…"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering low..high (1, 2, 2.5 or 5 times a power of ten)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


def _tick_decimals(ticks: list[float]) -> int:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    return max(0, -math.floor(math.log10(step))) if step < 1 else (1 if step % 1 else 0)


def _open(height: float, title: str, description: str) -> tuple[str, list[str]]:
    uid = f"chart-{next(_ids)}"
    return uid, [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="pr-chart" role="img" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="100%" aria-labelledby="{uid}-t {uid}-d" '
        f'font-family="sans-serif" font-size="{FONT}">',
        f'<title id="{uid}-t">{escape(title)}</title>',
        f'<desc id="{uid}-d">{escape(description)}</desc>',
    ]


def _axis(parts: list[str], x, ticks: list[float], top: float, bottom: float, locale: str | None) -> None:
    decimals = _tick_decimals(ticks)
    parts.append(f'<line x1="{x(ticks[0]):.1f}" y1="{bottom:.1f}" x2="{x(ticks[-1]):.1f}" y2="{bottom:.1f}" '
                 f'stroke="#505a5f"/>')
    for tick in ticks:
        tx = x(tick)
        parts.append(f'<line x1="{tx:.1f}" y1="{top:.1f}" x2="{tx:.1f}" y2="{bottom + 4:.1f}" stroke="#e5e6e7"/>'
                     f'<text x="{tx:.1f}" y="{bottom + 15:.1f}" text-anchor="middle" fill="#505a5f">'
                     f'{escape(format_number(Decimal(str(tick)), decimals, locale))}</text>')


@dataclass
class Bar:
    label: str  # the full name; the chart never falls back to a short code
    value: Decimal | None
    highlighted: bool = False


def bar_chart(items: list[Bar], *, title: str, unit: str = "", decimals: int = 1, direction: str = "higher",
              median: Decimal | None = None, locale: str | None = None,
              max_height: float | None = None, quartiles: tuple[Decimal, Decimal] | None = None,
              value_labels: bool = True) -> Markup:
    """Horizontal bars, best first (highest first unless lower is better), with the median.

    When the bars do not fit in `max_height` (a printed page) at a readable size, it draws the
    strip chart of the same values instead: every organisation a dot, the highlighted one named.
    Without `value_labels` (where a table beside the chart holds every value, as in the synthesis
    report) the bars take the width the labels would need: half the chart's text is gone, and
    with it a tenth of the PDF's render time (measured in benchmarks.report_render).
    """
    present = sorted((b for b in items if b.value is not None), key=lambda b: b.value,
                     reverse=direction != "lower")
    if not present:
        return Markup("")
    if max_height is not None and len(present) * (ROW + GAP) + 60 > max_height:
        return strip_chart([StripRow(title, [b.value for b in present],
                                     next((b.value for b in present if b.highlighted), None),
                                     next((b.label for b in present if b.highlighted), ""), median,
                                     *(quartiles or (None, None)))],
                           title=title, unit=unit, decimals=decimals, locale=locale)
    labels = [_short(b.label) for b in present]
    shown = [f"{format_number(b.value, decimals, locale)} {unit}".strip() for b in present]
    label_width = min(max(_text_width(t) for t in labels), LABEL_CHARS * CHAR_WIDTH + 4) + 6
    numbers = [float(b.value) for b in present] + ([float(median)] if median is not None else [])
    ticks = nice_ticks(min(0.0, min(numbers)), max(0.0, max(numbers)))
    if value_labels:
        value_width = max(_text_width(t) for t in shown) + 6
    else:  # room for half the last tick's number, which is centred on the plot's right end
        value_width = _text_width(format_number(Decimal(str(ticks[-1])), _tick_decimals(ticks), locale)) / 2 + 4
    low, high = ticks[0], ticks[-1]
    plot_left, plot_right = label_width, WIDTH - value_width
    top = 8
    bottom = top + len(present) * (ROW + GAP)
    height = bottom + 38

    def x(v: float) -> float:
        return plot_left + (v - low) / (high - low) * (plot_right - plot_left)

    description = _("%(n)d organisations, best first. %(median)s", n=len(present),
                    median=_("Median %(value)s.", value=format_number(median, decimals, locale))
                    if median is not None else "")
    _uid, parts = _open(height, title, description)
    _axis(parts, x, ticks, top, bottom, locale)
    if median is not None:
        mx = x(float(median))
        parts.append(
            f'<line x1="{mx:.1f}" y1="{top - 4}" x2="{mx:.1f}" y2="{bottom:.1f}" stroke="{MEDIAN}" '
            f'stroke-width="2" stroke-dasharray="4 3"/>'
            f'<text x="{min(max(mx, 60), WIDTH - 60):.1f}" y="{height - 4:.1f}" text-anchor="middle" '
            f'fill="{MEDIAN}">{escape(_("median"))} {escape(format_number(median, decimals, locale))}</text>')
    for i, (bar, label, text) in enumerate(zip(present, labels, shown, strict=True)):
        y = top + i * (ROW + GAP)
        left, right = sorted((x(0.0), x(float(bar.value))))
        weight = ' font-weight="bold"' if bar.highlighted else ""
        parts.append(
            f'<text x="{label_width - 6:.1f}" y="{y + 13}" text-anchor="end"{weight}>{escape(label)}</text>'
            f'<rect x="{left:.1f}" y="{y}" width="{max(right - left, 1):.1f}" height="{ROW}" '
            f'fill="{HIGHLIGHT if bar.highlighted else MUTED}"/>')
        if value_labels:
            # Right of the bar's end: inside the drawing, because value_width was kept free for it.
            parts.append(f'<text x="{max(right, x(0.0)) + 4:.1f}" y="{y + 13}"{weight} stroke="#fff" '
                         f'stroke-width="3" paint-order="stroke">{escape(text)}</text>')
    parts.append("</svg>")
    # Every interpolated text went through escape() above; the numbers are ours.
    return Markup("".join(parts))  # noqa: S704


@dataclass
class StripRow:
    label: str
    values: list[Decimal]  # every organisation's value
    own: Decimal | None = None  # the highlighted organisation's value
    own_label: str = ""
    median: Decimal | None = None
    q1: Decimal | None = None
    q3: Decimal | None = None


def strip_chart(rows: list[StripRow], *, title: str, unit: str = "", decimals: int = 1,
                locale: str | None = None, units: list[str] | None = None,
                decimals_per_row: list[int] | None = None) -> Markup:
    """One line per indicator: every organisation a dot, the box from the first to the third
    quartile, the median a red tick and the highlighted organisation a large blue dot with its
    value. Each line has its own scale (minimum and maximum written at its ends), so a
    150-organisation network still fits in a few lines."""
    rows = [r for r in rows if r.values]
    if not rows:
        return Markup("")
    label_width = 0 if len(rows) == 1 else min(max(_text_width(_short(r.label, 34)) for r in rows), 216) + 6
    row_height = 40
    top = 6
    height = top + len(rows) * row_height + 18
    descriptions = []
    _uid, parts = _open(height, title, "")
    for i, row in enumerate(rows):
        unit_i = units[i] if units else unit
        dec = decimals_per_row[i] if decimals_per_row else decimals
        low, high = min(row.values), max(row.values)
        low_text, high_text = format_number(low, dec, locale), format_number(high, dec, locale)
        left = label_width + _text_width(low_text) + 4
        right = WIDTH - _text_width(high_text) - 4
        span = float(high - low) or 1.0

        def x(v: Decimal, left=left, right=right, low=low, span=span) -> float:
            return left + float(v - low) / span * (right - left) if span else (left + right) / 2

        y = top + i * row_height + 14
        if label_width:
            parts.append(f'<text x="{label_width - 6:.1f}" y="{y + 4}" text-anchor="end">'
                         f'{escape(_short(row.label, 34))}</text>')
        parts.append(f'<text x="{left - 4:.1f}" y="{y + 4}" text-anchor="end" fill="#505a5f">{escape(low_text)}</text>'
                     f'<text x="{right + 4:.1f}" y="{y + 4}" fill="#505a5f">{escape(high_text)}</text>'
                     f'<line x1="{left:.1f}" y1="{y}" x2="{right:.1f}" y2="{y}" stroke="#b1b4b6"/>')
        if row.q1 is not None and row.q3 is not None:
            parts.append(f'<rect x="{x(row.q1):.1f}" y="{y - 7}" width="{max(x(row.q3) - x(row.q1), 1):.1f}" '
                         f'height="14" fill="#dee0e2" stroke="#b1b4b6"/>')
        for value in row.values:
            parts.append(f'<circle cx="{x(value):.1f}" cy="{y}" r="2.5" fill="{MUTED}" fill-opacity="0.7"/>')
        if row.median is not None:
            mx = x(row.median)
            parts.append(f'<line x1="{mx:.1f}" y1="{y - 9}" x2="{mx:.1f}" y2="{y + 9}" stroke="{MEDIAN}" '
                         f'stroke-width="2.5"/>')
        summary = _("%(n)d organisations from %(low)s to %(high)s", n=len(row.values), low=low_text,
                    high=high_text)
        if row.median is not None:
            summary += ", " + _("median %(value)s", value=format_number(row.median, dec, locale))
        if row.own is not None:
            ox = x(row.own)
            number = f"{format_number(row.own, dec, locale)} {unit_i}".strip()
            own_text = f"{_short(row.own_label, 40)}: {number}" if row.own_label else number
            # Under its dot, moved inward where it would pass a margin: never cut.
            text_x = min(max(ox - _text_width(own_text) / 2, 0.0), WIDTH - _text_width(own_text))
            parts.append(f'<circle cx="{ox:.1f}" cy="{y}" r="5" fill="{HIGHLIGHT}" stroke="#fff"/>'
                         f'<text x="{text_x:.1f}" y="{y + 20}" font-weight="bold" fill="{HIGHLIGHT}">'
                         f'{escape(own_text)}</text>')
            summary += ", " + own_text
        descriptions.append(f"{row.label}: {summary}.")
    parts[2] = f'<desc id="{_uid}-d">{escape(" ".join(descriptions))}</desc>'
    parts.append(f'<text x="{WIDTH - 2}" y="{height - 3:.0f}" text-anchor="end" fill="#505a5f" font-size="10">'
                 f'{escape(_("dots: organisations; box: middle half; red: median"))}</text>')
    parts.append("</svg>")
    # Every interpolated text went through escape() above; the numbers are ours.
    return Markup("".join(parts))  # noqa: S704
