"""planetmail.html_text on the HTML that broke html.parser (issue 15), and on ordinary HTML. Its cost
on pathological input is measured by ``planetmail fuzz-intake`` (``"<a "`` x 20000 and friends)."""

from __future__ import annotations

import pytest

from planetmail.html_text import html_to_text


@pytest.mark.parametrize(("document", "text"), [
    ("<p>Hello &amp; <b>bye</b></p><div>x<br>y</div>", "Hello & bye\n\nx\ny"),
    ("<html><head><title>T</title><style>p{}</style></head><body><p>Hi</p><!-- c --><p>there</p>",
     "Hi\n\nthere"),
    ("<script>if (a<b) {x()}</script>after", "after"),
    ("a < b and c > d", "a < b and c > d"),
    ("<p>before<![<![x", "before"),  # AssertionError in html.parser
    ("<!-- never closed <p>hidden", ""),
])
def test_visible_text(document: str, text: str) -> None:
    assert html_to_text(document) == text
