"""``planetmail sla-watch``: the SLA watchdog; start several, ZooKeeper elects the one that works."""

from __future__ import annotations

import logging
import signal
import sys

import click
from kafka.errors import KafkaError
from kazoo.handlers.threading import KazooTimeoutError

from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings
from planetmail_local.cli.errors import UserError
from planetmail_local.observability.sla_watch import run


@click.command()
@click.option("--sla-seconds", type=click.IntRange(min=1), help="Override the configured SLA.")
@click.option("--operations-email", help="Override the configured operations address.")
@click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds between checks.")
@click.option("--session-timeout", default=10.0, show_default=True, type=click.FloatRange(min=2),
              help="ZooKeeper session timeout: how fast another instance takes over.")
def sla_watch(sla_seconds: int | None, operations_email: str | None, interval: float,
              session_timeout: float) -> None:
    """Report messages not acknowledged within the SLA (one leader among all instances)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.load()
    overrides = {k: v for k, v in (("sla_seconds", sla_seconds), ("operations_email", operations_email))
                 if v is not None}
    config = PipelineConfig.model_validate({**PipelineConfig().model_dump(), **overrides})
    # SIGTERM leaves through the finally blocks, closing the ZooKeeper session: instant hand-over.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        run(settings, lambda: config, interval=interval, session_timeout=session_timeout)
    except KafkaError as exc:
        raise UserError(f"Kafka at {settings.kafka_bootstrap} is not reachable ({exc}); "
                        "start the stack with 'planetmail up'") from None
    except KazooTimeoutError:
        raise UserError(f"ZooKeeper at {settings.zookeeper} is not reachable; "
                        "start the stack with 'planetmail up'") from None
