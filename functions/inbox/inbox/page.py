"""The staff page: static HTML, JS and CSS served by the function itself (no CDN, no build step).

Its Content-Security-Policy allows only its own script and the API on the same origin; a message's
HTML is shown in a sandboxed frame without scripts, where that policy still blocks every remote load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from inbox.problems import problem

STATIC: Final = Path(__file__).with_name("static")
ASSETS: Final = {"index.html": "text/html; charset=utf-8", "inbox.js": "text/javascript; charset=utf-8",
                 "inbox.css": "text/css; charset=utf-8"}
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; connect-src 'self'; frame-src 'self'; "
                               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

router = APIRouter(prefix="/inbox", include_in_schema=False)


@router.get("")
async def to_page() -> Response:
    return RedirectResponse("/inbox/", status_code=308)


@router.get("/")
async def index() -> Response:
    return served("index.html")


@router.get("/{name}")
async def asset(name: str) -> Response:
    return served(name)


def served(name: str) -> Response:
    if name not in ASSETS:
        return problem(404, f"no page asset {name!r}")
    return Response((STATIC / name).read_bytes(), media_type=ASSETS[name], headers=SECURITY_HEADERS)
