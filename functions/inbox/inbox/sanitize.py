"""Mail HTML made safe to show: Ammonia (nh3) keeps an allow-list of tags and attributes.

Scripts, event handlers, forms, frames and styles go; images are kept only when their bytes are in the
message (``data:`` and ``cid:``), so opening a message never tells its sender it was read (remote
images and CSS ``url()`` are tracking pixels as often as not). The page also shows the result in a
sandboxed frame with a Content-Security-Policy, so a sanitiser bug alone runs nothing.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Final

import nh3

_SAFE_STYLE_PROPERTIES: Final = frozenset({
    "color", "background-color", "font-family", "font-size", "font-style", "font-weight", "text-align",
    "text-decoration", "line-height", "margin", "padding", "border", "width", "max-width", "height",
    "vertical-align", "white-space",
})
_EMBEDDED_IMAGE_PREFIXES: Final = ("data:image/", "cid:")


@dataclasses.dataclass(frozen=True)
class SafeHtml:
    html: str
    remote_images_blocked: int


def sanitize(html: str) -> SafeHtml:
    blocked = 0

    def keep(tag: str, attribute: str, value: str) -> str | None:
        nonlocal blocked
        if tag == "img" and attribute == "src" and not value.lower().startswith(_EMBEDDED_IMAGE_PREFIXES):
            blocked += 1
            return None
        return value

    attributes = copy.deepcopy(nh3.ALLOWED_ATTRIBUTES)
    attributes["*"] = {*attributes.get("*", set()), "style"}
    cleaned = nh3.clean(
        html, attributes=attributes, attribute_filter=keep, clean_content_tags={"script", "style"},
        url_schemes={"http", "https", "mailto", "cid", "data"},
        filter_style_properties=set(_SAFE_STYLE_PROPERTIES), link_rel="noopener noreferrer nofollow",
    )
    return SafeHtml(cleaned, blocked)
