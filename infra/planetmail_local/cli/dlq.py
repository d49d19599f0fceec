"""``planetmail dlq list | replay``: inspect dead letters and send them back once the cause is fixed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click
from kafka.errors import KafkaError
from rich.console import Console
from rich.table import Table

from planetmail.dead_letters import DeadLetter
from planetmail.settings import Settings
from planetmail_local.cli.errors import UserError
from planetmail_local.dead_letter_queue import DeadLetterError, DeadLetterQueue

T = TypeVar("T")


@click.group()
def dlq() -> None:
    """Dead letters on mail.dlq."""


@dlq.command("list")
def list_dead_letters() -> None:
    """Every dead letter with its source and error; records before the replay cursor are marked."""
    letters, cursor = _queue_call(lambda queue: queue.read())
    table = Table(title=f"mail.dlq: {len(letters)} record(s), replay cursor at {cursor}")
    for column in ("offset", "source", "attempts", "error", "replayed"):
        table.add_column(column)
    for letter in letters:
        table.add_row(str(letter.offset), _source(letter), str(letter.attempts or ""), letter.error[:80],
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


def _source(letter: DeadLetter) -> str:
    return f"{letter.source_topic}[{letter.source_partition}]@{letter.source_offset}"


def _queue_call(action: Callable[[DeadLetterQueue], T]) -> T:
    settings = Settings.load()
    try:
        return action(DeadLetterQueue(settings))
    except DeadLetterError as exc:
        raise UserError(str(exc)) from None
    except KafkaError as exc:
        raise UserError(f"Kafka at {settings.kafka_bootstrap} is not reachable ({type(exc).__name__}); "
                        "start it with 'planetmail up'") from None
