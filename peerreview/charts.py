"""Small SVG bar charts for pages and PDFs.

Written here rather than taken from a charting library on purpose: the charts
must render identically in the browser (without JavaScript, under a strict CSP)
and in WeasyPrint, which draws inline SVG cheaply but runs no JavaScript. A
horizontal bar chart is ~60 lines; a library would bring a JS runtime or
matplotlib for the same picture. Every text is escaped.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from markupsafe import Markup, escape

BAR_HEIGHT = 18
GAP = 6
LABEL_WIDTH = 170
VALUE_WIDTH = 70
WIDTH = 640


def bar_chart(items: list[tuple[str, Decimal | None, bool]], *, title: str, median: Decimal | None = None,
              unit: str = "", decimals: int = 1, direction: str = "higher") -> Markup:
    """items: (label, value, highlighted), drawn best first (highest first unless lower is better).

    Returns an accessible inline SVG.
    """
    present = sorted(((label, value, hl) for label, value, hl in items if value is not None),
                     key=lambda item: item[1], reverse=direction != "lower")
    if not present:
        return Markup("")
    values = [float(v) for _label, v, _hl in present] + ([float(median)] if median is not None else [])
    low = min(0.0, min(values))
    high = max(values) or 1.0
    span = (high - low) or 1.0
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = len(present) * (BAR_HEIGHT + GAP) + 30

    def x(v: float) -> float:
        return LABEL_WIDTH + (v - low) / span * plot

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="pr-chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]
    for i, (label, value, highlighted) in enumerate(present):
        y = 10 + i * (BAR_HEIGHT + GAP)
        v = float(value)
        left, right = sorted((x(0.0), x(v)))
        fill = "#1d70b8" if highlighted else "#9aa5b1"
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end" font-size="12">{escape(label)}</text>'
            f'<rect x="{left:.1f}" y="{y}" width="{max(right - left, 1):.1f}" height="{BAR_HEIGHT}" '
            f'fill="{fill}"/>'
            f'<text x="{WIDTH - VALUE_WIDTH + 6}" y="{y + 13}" font-size="12">'
            f'{value:.{decimals}f} {escape(unit)}</text>'
        )
    if median is not None:
        mx = x(float(median))
        parts.append(
            f'<line x1="{mx:.1f}" y1="4" x2="{mx:.1f}" y2="{height - 18}" stroke="#d4351c" stroke-width="2" '
            f'stroke-dasharray="4 3"/>'
            f'<text x="{mx:.1f}" y="{height - 4}" text-anchor="middle" font-size="11" fill="#d4351c">'
            f'{escape(_("median"))} {median:.{decimals}f}</text>'
        )
    parts.append("</svg>")
    # Every interpolated text went through escape() above; the numbers are ours.
    return Markup("".join(parts))  # noqa: S704
