"""The web mail viewer: JSON API over the store, fault switches, one small HTML page."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

from planetmail_local.smtp_sink.faults import Fault, FaultPlan
from planetmail_local.smtp_sink.store import MessageStore, Page

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>planetmail SMTP sink</title>
<style>body{font:14px sans-serif;margin:2em}td{padding:4px 8px;border-bottom:1px solid #ddd}
tr{cursor:pointer}pre{white-space:pre-wrap;background:#f6f6f6;padding:1em}</style></head><body>
<h1>Messages received <small id="total"></small></h1>
<form onsubmit="search(event)"><input id="q" placeholder="subject, sender or recipient">
<button>search</button> <button type="button" onclick="first()">newest</button>
<button type="button" id="older" onclick="older()">older</button></form>
<table id="list"></table><pre id="body"></pre>
<script>
const PAGE_SIZE = 50;
const esc = s => String(s ?? "").replace(/[&<>"']/g, c => "&#" + c.charCodeAt(0) + ";");
let pages = [""], query = "";
async function load() {
  const params = new URLSearchParams({limit: PAGE_SIZE, before: pages[pages.length - 1], q: query,
                                      full: "false"});
  const response = await fetch("api/messages?" + params);
  const messages = await response.json();
  document.getElementById("total").textContent = `(${response.headers.get("X-Total-Count")} matching)`;
  document.getElementById("list").innerHTML = messages.map(m =>
    `<tr data-id="${esc(m.id)}"><td>${esc(m.received_at)}</td><td>${esc(m.mail_from)}</td>
     <td>${esc(m.rcpt_tos.join(", "))}</td><td>${esc(m.subject)}</td></tr>`).join("");
  document.querySelectorAll("#list tr").forEach(row => row.onclick = () => show(row.dataset.id));
  document.getElementById("older").disabled = messages.length < PAGE_SIZE;
  pages.last = messages.length ? messages[messages.length - 1].id : "";
}
function older() { pages.push(pages.last); load(); }
function first() { pages = [""]; load(); }
function search(event) { event.preventDefault(); query = document.getElementById("q").value; first(); }
async function show(id) {
  const m = await (await fetch("api/messages/" + encodeURIComponent(id))).json();
  document.getElementById("body").textContent = m.text ?? m.html ?? "";
}
load();
</script></body></html>"""

MESSAGE_ID = r"^[0-9a-f-]*$"
MAX_PAGE = 10_000


class FaultRequest(BaseModel):
    stage: Literal["rcpt", "data"]
    code: int = Field(ge=400, le=599)
    message: str = "Requested action not taken (planetmail sink fault)"
    count: int | None = Field(default=None, ge=1, description="Fail this many; omit: until cleared")


def problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse({"type": "about:blank", "title": title, "status": status, "detail": detail},
                        status_code=status, media_type="application/problem+json")


def create_app(store: MessageStore, faults: FaultPlan) -> FastAPI:
    app = FastAPI(title="planetmail SMTP sink")

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        return problem(422, "Invalid request", f"{where}: {first.get('msg', 'invalid')}")

    @app.get("/", response_class=HTMLResponse)
    def page() -> str:
        return PAGE

    @app.get("/api/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "messages": store.count()}

    @app.get("/api/messages")
    def messages(
        response: Response,
        limit: int = Query(50, ge=1, le=MAX_PAGE, description="At most this many, newest first."),
        before: str = Query("", pattern=MESSAGE_ID, description=(
            "Only messages stored before this id: the next page starts at the last id of this one.")),
        after: str = Query("", pattern=MESSAGE_ID, description=(
            "Only messages stored after this id (ids sort by arrival; a 20-digit time in ns works too): "
            "pollers pass the newest id they saw and read only what is new.")),
        q: str = Query("", max_length=200, description="Text in subject, sender or recipients (any case)."),
        full: bool = Query(True, description="Headers and bodies too; false: the summary only."),
    ) -> list[dict[str, Any]]:
        listed = store.page(Page(limit=limit, before=before, after=after, query=q, full=full))
        response.headers["X-Total-Count"] = str(store.count(q))
        return listed

    @app.get("/api/messages/{message_id}", response_model=None)
    def message(message_id: str) -> dict[str, Any] | JSONResponse:
        found = store.get(message_id)
        if found is None:
            return problem(404, "Message not found", f"no message with id {message_id!r} in the sink")
        return found

    @app.delete("/api/messages")
    def clear() -> dict[str, int]:
        return {"deleted": store.clear()}

    @app.get("/api/faults")
    def active_faults() -> list[dict[str, Any]]:
        return [vars(fault) for fault in faults.active()]

    @app.put("/api/faults")
    def set_fault(request: FaultRequest) -> dict[str, Any]:
        fault = Fault(request.stage, request.code, request.message, request.count)
        faults.set(fault)
        return vars(fault)

    @app.delete("/api/faults")
    def clear_faults() -> dict[str, str]:
        faults.clear()
        return {"status": "cleared"}

    return app
