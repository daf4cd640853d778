"""What every SVG drawn on the server shares (pure: no Flask): escaped text, safe class
names and numbers in a compact notation. Used by the wijk map (``geo/svgmap.py``) and the
evaluation's bar charts (``matching/charts.py``)."""

from __future__ import annotations

import html
import re

_NOT_IN_A_NAME = re.compile(r"[^a-z0-9-]+")


def escape(text: str) -> str:
    """Text from data, escaped for SVG; quotes too, so it serves text and attributes."""
    return html.escape(text, quote=True)


def class_name(text: str, fallback: str) -> str:
    """``text`` as (part of) a class or id: lower-case letters, digits and hyphens."""
    return _NOT_IN_A_NAME.sub("-", text.lower()).strip("-") or fallback


def number(value: float) -> str:
    """A coordinate or length with one decimal ("12.5"), never "-0.0"."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text
