"""Simple horizontal bar charts as accessible SVG, drawn on the server (pure: no Flask).

Like ``geo/svgmap.py``: an ``<svg role="img">`` with ``<title>`` and ``<desc>`` (the desc
lists every bar with its value, so a screen reader hears the numbers), classes for styling
and no inline ``style`` attributes (the CSP forbids them). Each row puts its label above its
bar, so long labels fit on a phone. Every text from data is escaped. The page shows the same
numbers in a table as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from niemand_alleen.svg import class_name, escape, number

__all__ = ["Bar", "bar_chart_svg"]

_PADDING = 8.0
_ROW = 40.0
_BAR = 16.0
_FONT = 13.0
_VALUE_SPACE = 110.0
_LABEL_MAX = 60


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    value_label: str  # the value as read out, e.g. "3" or "2,5 dagen"


def _short(label: str) -> str:
    return label if len(label) <= _LABEL_MAX else label[: _LABEL_MAX - 1].rstrip() + "…"


def bar_chart_svg(
    bars: Sequence[Bar],
    *,
    title: str,
    description: str,
    id_prefix: str,
    width: int = 480,
) -> str:
    """The SVG as a string; ``description`` opens the ``<desc>``, the bars' values follow."""
    if not 200 <= width <= 2000:
        raise ValueError("width must be between 200 and 2000 pixels")
    for bar in bars:
        if not bar.value >= 0:  # also refuses NaN
            raise ValueError("bar values must be zero or more")
    prefix = class_name(id_prefix, "grafiek")
    height = _PADDING * 2 + max(len(bars), 1) * _ROW
    longest = max((bar.value for bar in bars), default=0.0)
    span = width - 2 * _PADDING - _VALUE_SPACE
    listed = "; ".join(f"{bar.label}: {bar.value_label}" for bar in bars)
    desc = f"{description} {listed}." if listed else f"{description} Nog geen gegevens."
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" role="img"'
        f' viewBox="0 0 {width} {number(height)}" width="{width}" height="{number(height)}"'
        f' aria-labelledby="{prefix}-titel {prefix}-beschrijving">',
        f'<title id="{prefix}-titel">{escape(title)}</title>',
        f'<desc id="{prefix}-beschrijving">{escape(desc)}</desc>',
    ]
    if not bars:
        out.append(
            f'<text class="bar-chart-empty" x="{number(_PADDING)}"'
            f' y="{number(_PADDING + _FONT * 2)}"'
            f' font-size="{number(_FONT)}" fill="#4a4a4a">Nog geen gegevens</text>'
        )
    for index, bar in enumerate(bars):
        top = _PADDING + index * _ROW
        length = span * bar.value / longest if longest > 0 else 0.0
        bar_top = top + _FONT + 4
        out.append(
            f'<g class="bar-chart-row"><title>{escape(bar.label)}: {escape(bar.value_label)}'
            f"</title>"
            f'<text class="bar-chart-label" x="{number(_PADDING)}" y="{number(top + _FONT)}"'
            f' font-size="{number(_FONT)}" fill="#1b1b1b">{escape(_short(bar.label))}</text>'
            f'<rect class="bar-chart-bar" x="{number(_PADDING)}" y="{number(bar_top)}"'
            f' width="{number(max(length, 1.0))}" height="{number(_BAR)}" fill="#00594f"/>'
            f'<text class="bar-chart-value" x="{number(_PADDING + max(length, 1.0) + 6)}"'
            f' y="{number(bar_top + _BAR - 3)}" font-size="{number(_FONT)}" fill="#1b1b1b">'
            f"{escape(bar.value_label)}</text></g>"
        )
    out.append("</svg>")
    return "".join(out)
