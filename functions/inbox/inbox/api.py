"""The inbox's JSON API under ``{inbox_url}api/``: what the page (and any other client) uses.

Every route needs a staff member (``inbox.auth``); every change needs an agent (``Agent``: a reader gets
403 before anything is read for the change, so nothing is written), and is a ``Decisions`` call, so it
is conditional, recorded on ``mail.feedback`` / ``mail.events`` and answered only once Kafka took it.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from inbox import auth
from inbox.decisions import LABELS, Decisions, InvalidDecision, NotRecorded, UnknownMessage
from inbox.runtime import Runtime
from inbox.store import Page, StaleDecision
from inbox.table import QUEUES, TRACKING_ID, plain
from inbox.views import message_view
from planetmail.classification import HUMAN_REVIEW, LANGUAGES

MAX_LIMIT: Final = 200
SEARCH_HELP: Final = "A tracking id, a sender address (newest first) or words of the subject (in the queue)"
_HIDDEN: Final = ("subject_search", "queue", "listed_sender")

Queue = Literal["human_review", "subscriptions", "complaints", "praise", "questions", "news_tips",
                "advertising", "spam"]
State = Literal["open", "handled"]
Language = Literal["en", "es"]


def runtime_of(request: Request) -> Runtime:
    runtime = request.app.state.runtime
    assert isinstance(runtime, Runtime)
    return runtime


def staff(request: Request, authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
          ) -> auth.Caller:
    settings = runtime_of(request).settings
    return auth.caller(request.scope.get("aws.event"), authorization, settings.token, settings.staff_name,
                       settings.agent_group)


Staff = Annotated[auth.Caller, Depends(staff)]


def agent(who: Staff, request: Request) -> str:
    """The acting staff member's name, once they are known to be an agent (403 otherwise)."""
    return auth.require_agent(who, runtime_of(request).settings.agent_group).name


Agent = Annotated[str, Depends(agent)]
router = APIRouter(prefix="/inbox/api", tags=["inbox"])
ACTS: Final[dict[int | str, dict[str, Any]]] = {403: {
    "description": "Read-only caller: not in the agent group `missing_group`; `detail` says the fix",
    "content": {"application/problem+json": {}}}}
"""The extra answer every write route documents in the OpenAPI."""


class Label(BaseModel):
    category: str = Field(description=f"One of {', '.join(LABELS)}")


class NotSpam(BaseModel):
    category: str = Field(HUMAN_REVIEW, description="Where the message goes (human_review by default)")


class Note(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


class Bulk(BaseModel):
    ids: list[str] = Field(min_length=1, max_length=100)
    action: Literal["label", "handled", "spam", "not_spam", "reopen"]
    category: str | None = None


class Me(BaseModel):
    user: str = Field(description="Who the credentials name (JWT email, username or sub; or the local staff)")
    staff: str = Field(description="Same as user (kept for older clients)")
    can_act: bool = Field(description="Whether the caller may change messages (label, handled, spam, "
                                      "not spam, reopen, notes, bulk); false: read-only, writes answer 403")
    agent_group: str = Field(description="The group whose members may act; empty: no group check")
    groups: list[str] = Field(description="The caller's groups from the JWT (cognito:groups)")
    response_sla_hours: float
    ack_sla_seconds: int
    queues: list[str]
    labels: list[str]
    languages: list[str]


@router.get("/me")
async def me(who: Staff, request: Request) -> Me:
    """Who the credentials name, what they may do, and the clock settings the page shows SLA figures with."""
    settings = runtime_of(request).settings
    return Me(user=who.name, staff=who.name, can_act=who.can_act, agent_group=settings.agent_group,
              groups=list(who.groups), response_sla_hours=settings.response_sla_hours, ack_sla_seconds=300,
              queues=list(QUEUES), labels=list(LABELS), languages=list(LANGUAGES))


@router.get("/queues")
async def queues(who: Staff, request: Request) -> dict[str, Any]:
    """Messages per queue, state and language (human_review first): one BatchGetItem of counters."""
    counts = await run_in_threadpool(runtime_of(request).store.counts)
    return {"queues": [{"queue": name, **{state: {"total": sum(by_language.values()), **by_language}
                                          for state, by_language in counts[name].items()}}
                       for name in QUEUES]}


@router.get("/messages")
async def messages(
    who: Staff, request: Request,
    queue: Queue = "human_review",
    state: State = "open",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: str | None = None,
    order: Literal["oldest", "newest"] = "oldest",
    language: Language | None = None,
    q: Annotated[str | None, Query(max_length=200, description=SEARCH_HELP)] = None,
) -> dict[str, Any]:
    """A queue, oldest first by default, a page at a time (``cursor`` from the previous page)."""
    store = runtime_of(request).store
    search = (q or "").strip()
    if TRACKING_ID.fullmatch(search.upper()):
        item = await run_in_threadpool(store.get, search.upper())
        page = Page([plain(item)] if item else [], None)
    elif "@" in search:
        page = await run_in_threadpool(lambda: store.sender_page(search, limit=limit, cursor=cursor))
    else:
        page = await run_in_threadpool(lambda: store.queue_page(
            queue, state, limit=limit, cursor=cursor, newest_first=order == "newest", language=language,
            subject=search or None))
    return {"queue": queue, "state": state, "items": [_summary(item) for item in page.items],
            "cursor": page.cursor}


@router.get("/messages/{tracking_id}")
async def message(tracking_id: str, who: Staff, request: Request) -> dict[str, Any]:
    """Everything about one message: sanitised body, headers, attachments, timeline, notes, verdict."""
    runtime = runtime_of(request)
    return await run_in_threadpool(message_view, runtime, tracking_id)


@router.post("/messages/{tracking_id}/label", responses=ACTS)
async def label(tracking_id: str, body: Label, who: Agent, request: Request) -> dict[str, Any]:
    """Reassign the category: the message moves to that category's topic; a feedback record says so."""
    return await _decide(request, lambda d: d.relabel(tracking_id, body.category, who))


@router.post("/messages/{tracking_id}/handled", responses=ACTS)
async def handled(tracking_id: str, who: Agent, request: Request) -> dict[str, Any]:
    return await _decide(request, lambda d: d.handled(tracking_id, who))


@router.post("/messages/{tracking_id}/reopen", responses=ACTS)
async def reopen(tracking_id: str, who: Agent, request: Request) -> dict[str, Any]:
    return await _decide(request, lambda d: d.reopen(tracking_id, who))


@router.post("/messages/{tracking_id}/spam", responses=ACTS)
async def spam(tracking_id: str, who: Agent, request: Request) -> dict[str, Any]:
    return await _decide(request, lambda d: d.spam(tracking_id, who))


@router.post("/messages/{tracking_id}/not-spam", responses=ACTS)
async def not_spam(tracking_id: str, who: Agent, request: Request, body: NotSpam | None = None,
                   ) -> dict[str, Any]:
    category = body.category if body else HUMAN_REVIEW
    return await _decide(request, lambda d: d.not_spam(tracking_id, who, category))


@router.post("/messages/{tracking_id}/notes", responses=ACTS)
async def note(tracking_id: str, body: Note, who: Agent, request: Request) -> dict[str, Any]:
    return await run_in_threadpool(runtime_of(request).decisions.note, tracking_id, body.text, who)


@router.post("/bulk", responses=ACTS)
async def bulk(body: Bulk, who: Agent, request: Request) -> dict[str, Any]:
    """One action on a selection; each message succeeds or fails on its own (``results``)."""
    decisions = runtime_of(request).decisions
    return {"results": [await run_in_threadpool(_one, decisions, body, tracking_id, who)
                        for tracking_id in body.ids]}


def _one(decisions: Decisions, body: Bulk, tracking_id: str, who: str) -> dict[str, Any]:
    actions = {
        "label": lambda: decisions.relabel(tracking_id, body.category or "", who),
        "handled": lambda: decisions.handled(tracking_id, who),
        "spam": lambda: decisions.spam(tracking_id, who),
        "not_spam": lambda: decisions.not_spam(tracking_id, who, body.category or HUMAN_REVIEW),
        "reopen": lambda: decisions.reopen(tracking_id, who),
    }
    try:
        return {"id": tracking_id, "ok": True, "message": _summary(plain(actions[body.action]()))}
    except (UnknownMessage, InvalidDecision, NotRecorded, StaleDecision) as exc:
        return {"id": tracking_id, "ok": False, "error": str(exc)}


async def _decide(request: Request, act: Any) -> dict[str, Any]:
    decisions = runtime_of(request).decisions
    return _summary(plain(await run_in_threadpool(act, decisions)))


def _summary(item: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in item.items() if name not in _HIDDEN}

