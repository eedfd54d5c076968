"""The chart of the report: thuiszitters with an open case at each quarter's end, as plain SVG.

Plain SVG rather than a plotting library: five bars need no more, WeasyPrint draws SVG itself,
and the chart states exactly the figures of the table beside it (a suppressed bar is drawn as an
outline marked x, never as a height).
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from hub.rapport.document import ONDERDRUKT, Cel

WIDTH, HEIGHT = 640, 260
_LEFT, _BOTTOM, _TOP = 40, 40, 30
_BAR_SHARE = 0.6


def staafdiagram(cellen: Sequence[Cel], titel: str) -> str:
    """An SVG bar chart of `cellen`, bars labelled with their figure."""
    highest = max([c.waarde for c in cellen if c.waarde is not None] + [1])
    plot_height = HEIGHT - _BOTTOM - _TOP
    slot = (WIDTH - _LEFT) / max(len(cellen), 1)
    bar = slot * _BAR_SHARE
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(titel)}">',
        f'<line x1="{_LEFT}" y1="{HEIGHT - _BOTTOM}" x2="{WIDTH}" y2="{HEIGHT - _BOTTOM}" stroke="#333"/>',
    ]
    for i, cel in enumerate(cellen):
        x = _LEFT + i * slot + (slot - bar) / 2
        middle = x + bar / 2
        if cel.waarde is None:
            height = plot_height * 0.15
            style = 'fill="none" stroke="#777" stroke-dasharray="4 3"'
        else:
            height = plot_height * cel.waarde / highest
            style = 'fill="#2b6cb0"'
        top = HEIGHT - _BOTTOM - height
        parts.append(f'<rect x="{x:.1f}" y="{top:.1f}" width="{bar:.1f}" height="{height:.1f}" {style}/>')
        parts.append(_text(middle, top - 8, cel.tekst, 16, "bold"))
        parts.append(_text(middle, HEIGHT - _BOTTOM + 20, cel.label, 12, "normal"))
    parts.append("</svg>")
    return "".join(parts)


def _text(x: float, y: float, text: str, size: int, weight: str) -> str:
    fill = "#777" if text == ONDERDRUKT else "#111"
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" text-anchor="middle" '
        f'font-family="DejaVu Sans, sans-serif" fill="{fill}">{escape(text)}</text>'
    )
