"""``planetmail dlq list | replay | resend-unknown``: inspect dead letters and send them back once the
cause is fixed; decide about replies whose delivery is unknown."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC
from typing import TypeVar

import click
from botocore.exceptions import BotoCoreError, ClientError
from kafka.errors import KafkaError
from rich.console import Console
from rich.table import Table

from planetmail.dead_letters import DeadLetter
from planetmail.settings import Settings
from planetmail_local.cli.errors import UserError
from planetmail_local.dead_letter_queue import DeadLetterError, DeadLetterQueue
from planetmail_local.in_doubt import RESEND_RISK, InDoubt, InDoubtReplies, NotInDoubtError

T = TypeVar("T")


@click.group()
def dlq() -> None:
    """Dead letters on mail.dlq."""


@dlq.command("list")
def list_dead_letters() -> None:
    """Every dead letter with its source and error; records before the replay cursor are marked.
    IMAP messages the collector quarantined are listed too (source "IMAP quarantine")."""
    letters, cursor = _queue_call(lambda queue: queue.read())
    table = Table(title=f"mail.dlq: {len(letters)} record(s), replay cursor at {cursor}")
    for column in ("offset", "source", "attempts", "error", "replayed"):
        # the whole error, folded: it usually names the fix at its end
        table.add_column(column, overflow="fold" if column == "error" else "ellipsis")
    for letter in letters:
        table.add_row(str(letter.offset), _source(letter), str(letter.attempts or ""), letter.error,
                      "yes" if letter.offset < cursor else "")
    Console().print(table)


@dlq.command()
@click.option("--offset", "offsets", type=int, multiple=True,
              help="Replay only this DLQ offset (repeatable). Default: everything past the cursor.")
def replay(offsets: tuple[int, ...]) -> None:
    """Send dead letters back to their source topics."""
    console = Console(stderr=True)

    def announce(letter: DeadLetter) -> None:
        console.print(f"replayed offset {letter.offset} → {_source(letter)}")

    replayed = _queue_call(lambda queue: queue.replay(set(offsets) or None, on_replayed=announce))
    console.print(f"{len(replayed)} dead letter(s) replayed")


@dlq.command("resend-unknown")
@click.option("--id", "tracking_ids", metavar="TRACKING_ID", multiple=True,
              help="Send this reply once more (repeatable). Default: list the replies in doubt.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def resend_unknown(tracking_ids: tuple[str, ...], yes: bool) -> None:
    """Replies whose delivery is unknown (a responder stopped mid-send): list them, or resend some.

    Such a reply is never resent by the pipeline itself; with --id it is, once, on your decision.
    """
    settings = Settings.load()
    with _one_line_errors(settings):
        replies = InDoubtReplies(settings)
        if not tracking_ids:
            _print_in_doubt(replies.find())
            return
        chosen = replies.check(list(dict.fromkeys(tracking_ids)))
        _print_in_doubt(chosen)
        if not yes:
            click.echo(f"Risk: {RESEND_RISK}.")
            click.confirm(f"Resend {len(chosen)} reply(ies) anyway?", abort=True)
        console = Console(stderr=True)
        resent = replies.resend(chosen, on_resent=lambda doubt: console.print(
            f"{doubt.tracking_id}: ledger reopened, dead letter {doubt.letter.offset} replayed to mail.ack"))
    changed = sorted({doubt.tracking_id for doubt in chosen} - {doubt.tracking_id for doubt in resent})
    if changed:
        raise UserError(f"{', '.join(changed)} settled while you decided, so not resent; "
                        "see 'planetmail dlq resend-unknown' and its status timeline")


def _print_in_doubt(doubts: list[InDoubt]) -> None:
    table = Table(title=f"{len(doubts)} reply(ies) in doubt: delivery unknown, not resent")
    for column in ("tracking id", "recipient", "received (UTC)", "send ledger (UTC)", "dlq offset"):
        table.add_column(column)
    for doubt in doubts:
        received = f"{doubt.request.email.received_at.astimezone(UTC):%Y-%m-%d %H:%M:%S}"
        table.add_row(doubt.tracking_id, doubt.recipient, received, doubt.ledger_state,
                      str(doubt.letter.offset))
    Console().print(table)


def _source(letter: DeadLetter) -> str:
    if letter.source_mailbox:
        return f"IMAP quarantine {letter.source_mailbox}"
    return f"{letter.source_topic}[{letter.source_partition}]@{letter.source_offset}"


def _queue_call(action: Callable[[DeadLetterQueue], T]) -> T:
    settings = Settings.load()
    with _one_line_errors(settings):
        return action(DeadLetterQueue(settings))


@contextlib.contextmanager
def _one_line_errors(settings: Settings) -> Iterator[None]:
    try:
        yield
    except (DeadLetterError, NotInDoubtError) as exc:
        raise UserError(str(exc)) from None
    except KafkaError as exc:
        raise UserError(f"Kafka at {settings.kafka_bootstrap} is not reachable ({type(exc).__name__}); "
                        "start it with 'planetmail up'") from None
    except (BotoCoreError, ClientError) as exc:
        raise UserError(f"the send ledger ({settings.idempotency_table} at {settings.aws_endpoint_url}) "
                        f"cannot be read ({exc}); start the stack with 'planetmail up'") from None
