"""Reading the figures the widgets show: an ``<img>`` inside an HTML widget, its alt in the DOM."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from html.parser import HTMLParser

PNG = b"\x89PNG\r\n\x1a\n"


@dataclass
class Img:
    png: bytes
    alt: str
    classes: set[str]


class _Imgs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[Img] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "img":
            return
        a = {k: v or "" for k, v in attrs}
        src = a.get("src", "")
        prefix = "data:image/png;base64,"
        png = base64.b64decode(src[len(prefix) :]) if src.startswith(prefix) else b""
        self.found.append(Img(png, a.get("alt", ""), set(a.get("class", "").split())))


def imgs(markup: str) -> list[Img]:
    """Every ``<img>`` in some HTML."""
    parser = _Imgs()
    parser.feed(markup)
    return parser.found


def img(widget) -> Img:
    """The one ``<img>`` of a figure widget, checked to be a PNG with alt text in the DOM."""
    (found,) = imgs(widget.value)
    assert found.png[:8] == PNG, "a PNG"
    assert found.alt.strip() and found.alt == getattr(widget, "alt_text", found.alt)
    return found
