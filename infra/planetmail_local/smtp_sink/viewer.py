"""The web mail viewer: JSON API over the store, fault switches, one small HTML page."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

from planetmail_local.smtp_sink.faults import Fault, FaultPlan
from planetmail_local.smtp_sink.store import MessageStore

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>planetmail SMTP sink</title>
<style>body{font:14px sans-serif;margin:2em}td{padding:4px 8px;border-bottom:1px solid #ddd}
pre{white-space:pre-wrap;background:#f6f6f6;padding:1em}</style></head><body>
<h1>Messages received</h1><button onclick="load()">refresh</button>
<table id="list"></table><pre id="body"></pre>
<script>
const esc = s => String(s ?? "").replace(/[&<>]/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;"}[c]));
async function load() {
  const messages = await (await fetch("api/messages")).json();
  document.getElementById("list").innerHTML = messages.map(m =>
    `<tr onclick='show("${m.id}")'><td>${esc(m.received_at)}</td><td>${esc(m.mail_from)}</td>
     <td>${esc(m.rcpt_tos.join(", "))}</td><td>${esc(m.subject)}</td></tr>`).join("");
}
async function show(id) {
  const m = await (await fetch("api/messages/" + id)).json();
  document.getElementById("body").textContent = m.text ?? m.html ?? "";
}
load();
</script></body></html>"""


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
        return {"status": "ok", "messages": len(store.ids())}

    @app.get("/api/messages")
    def messages(after: str = Query("", pattern=r"^[0-9a-f-]*$", description=(
            "Only messages stored after this id (ids sort by arrival; a 20-digit time in ns works too): "
            "pollers pass the newest id they saw and read only what is new."))) -> list[dict[str, Any]]:
        return store.all(after)

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
