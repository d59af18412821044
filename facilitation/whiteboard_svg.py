"""A board as an SVG document, for facilitators exporting it over the HTTP API.

Drawn like the web client draws it (the same sizes for text and notes), from the same
element model. Strokes are smoothed paths through their points; every text is escaped.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable
from itertools import pairwise
from xml.sax.saxutils import escape, quoteattr

from rooms.whiteboard import BOARD_HEIGHT, BOARD_WIDTH, FILLS, Element

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif'
TEXT_SIZE = 28
NOTE_TEXT_SIZE = 22
NOTE_PADDING = 14
NOTE_FILL = FILLS[0]
GLYPH = 0.55  # a rough average glyph width, as a share of the font size, for wrapping
LINE_HEIGHT = 1.3


def _n(v: float) -> str:
    """A number as short as it reads (two decimals at most)."""
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _tag(name: str, attrs: dict[str, str | float], body: str | None = None) -> str:
    rendered = " ".join(
        f"{k}={quoteattr(_n(v) if isinstance(v, int | float) else v)}" for k, v in attrs.items()
    )
    return f"<{name} {rendered}/>" if body is None else f"<{name} {rendered}>{body}</{name}>"


def _ink(e: Element) -> dict[str, str | float]:
    return {
        "stroke": e.color,
        "stroke-width": e.width,
        "stroke-linecap": "round",
        "stroke-linejoin": "round",
    }


def _stroke(e: Element) -> str:
    pts = [(e.x + p[0], e.y + p[1]) for p in e.points]
    if len(pts) == 1:
        return _tag("circle", {"cx": pts[0][0], "cy": pts[0][1], "r": e.width / 2,
                               "fill": e.color})
    # Quadratic curves from midpoint to midpoint, each bent by the point between: smooth,
    # and it still passes through the first and the last point.
    d = [f"M{_n(pts[0][0])},{_n(pts[0][1])}"]
    for (x0, y0), (x1, y1) in pairwise(pts[1:]):
        d.append(f"Q{_n(x0)},{_n(y0)} {_n((x0 + x1) / 2)},{_n((y0 + y1) / 2)}")
    d.append(f"L{_n(pts[-1][0])},{_n(pts[-1][1])}")
    return _tag("path", {"d": " ".join(d), "fill": "none", **_ink(e)})


def _line(e: Element) -> str:
    (ax, ay, *_), (bx, by, *_) = e.points
    x1, y1, x2, y2 = e.x + ax, e.y + ay, e.x + bx, e.y + by
    out = _tag("line", {"x1": x1, "y1": y1, "x2": x2, "y2": y2, **_ink(e)})
    if e.kind == "arrow":
        angle = math.atan2(y2 - y1, x2 - x1)
        length = 14 + e.width * 2

        def wing(turn: float) -> str:
            return (f"{_n(x2 - length * math.cos(angle + turn))},"
                    f"{_n(y2 - length * math.sin(angle + turn))}")

        head = f"M{wing(0.45)} L{_n(x2)},{_n(y2)} L{wing(-0.45)}"
        out += _tag("path", {"d": head, "fill": "none", **_ink(e)})
    return out


def _text(text: str, x: float, y: float, width: float, size: int, color: str) -> str:
    chars = max(1, int(width / (size * GLYPH)))
    lines = [
        line
        for paragraph in text.split("\n")
        for line in (textwrap.wrap(paragraph, chars) or [""])
    ]
    spans = "".join(
        _tag("tspan", {"x": x, "y": y + size + i * size * LINE_HEIGHT - size * 0.2},
             escape(line))
        for i, line in enumerate(lines)
    )
    return _tag("text", {"x": x, "y": y, "font-family": FONT, "font-size": size,
                         "fill": color}, spans)


def _element(e: Element) -> str:
    box = {"x": e.x, "y": e.y, "width": e.w, "height": e.h}
    if e.kind == "stroke":
        return _stroke(e)
    if e.kind in ("line", "arrow"):
        return _line(e)
    if e.kind == "rect":
        return _tag("rect", {**box, "rx": 4, "fill": e.fill or "none", **_ink(e)})
    if e.kind == "ellipse":
        return _tag("ellipse", {"cx": e.x + e.w / 2, "cy": e.y + e.h / 2, "rx": e.w / 2,
                                "ry": e.h / 2, "fill": e.fill or "none", **_ink(e)})
    if e.kind == "text":
        return _text(e.text, e.x + 4, e.y, e.w - 8, TEXT_SIZE, e.color)
    note = _tag("rect", {**box, "rx": 6, "fill": e.fill or NOTE_FILL, "stroke": "#000000",
                         "stroke-opacity": 0.2, "stroke-width": 1.5})
    return note + _text(e.text, e.x + NOTE_PADDING, e.y + NOTE_PADDING - 4,
                        e.w - 2 * NOTE_PADDING, NOTE_TEXT_SIZE, e.color)


def to_svg(elements: Iterable[Element]) -> str:
    """The live elements, in the order given (the board's drawing order), on a white sheet."""
    body = "".join(_element(e) for e in elements if not e.deleted)
    sheet = _tag("rect", {"x": 0, "y": 0, "width": BOARD_WIDTH, "height": BOARD_HEIGHT,
                          "fill": "#ffffff"})
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{BOARD_WIDTH}" '
        f'height="{BOARD_HEIGHT}" viewBox="0 0 {BOARD_WIDTH} {BOARD_HEIGHT}">'
        f"{sheet}{body}</svg>\n"
    )
