"""The SLA watchdog: one instance at a time (ZooKeeper leader election) reports late messages.

The leader replays ``mail.events`` over a look-back window, then follows it; every ``interval`` it
reports each message received but at no terminal state within ``PipelineConfig.sla_seconds``
as an ``sla_breach`` lifecycle event (plus the ``SlaBreaches`` metric), and e-mails a summary to
``PipelineConfig.operations_email`` when one is set. Breaches already on ``mail.events`` are not
reported again, so a new leader after a failover picks up exactly where the old one stopped.

    planetmail sla-watch --sla-seconds 300
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage

from kafka import KafkaProducer

from planetmail import codec, topics
from planetmail.coordination.client import zookeeper
from planetmail.coordination.leader import LeaderElection, run_as_leader
from planetmail.inbound import utcnow
from planetmail.kafka import make_producer
from planetmail.lifecycle import LifecycleEvent
from planetmail.metrics import pipeline_metrics
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings
from planetmail.sla import Overdue, SlaLedger, breach_event, lookback
from planetmail.sla import breach_summary as sla_summary
from planetmail_local.observability.feed import EventFeed

log = logging.getLogger(__name__)

GROUP_ID = "planetmail.sla-watch"
ELECTION = "sla-watch"
SMTP_TIMEOUT_SECONDS = 10.0

ConfigSource = Callable[[], PipelineConfig]
Notifier = Callable[[Sequence[Overdue], PipelineConfig], None]


class SlaWatch:
    """Ledger + reporting; ``add`` is the EventFeed sink, ``tick`` runs on the leader's loop."""

    def __init__(self, settings: Settings, producer: KafkaProducer, *, config: ConfigSource,
                 identity: str, notify: Notifier | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._topic = settings.topic(topics.EVENTS)
        self._producer = producer
        self._config = config
        self._notify = notify
        self._clock = clock
        self.identity = identity
        self._ledger = SlaLedger()
        self._lock = threading.Lock()

    def add(self, event: LifecycleEvent) -> None:
        with self._lock:
            self._ledger.add(event)

    def lookback(self) -> timedelta:
        """How much history a new leader replays: enough to see every message that can still be late."""
        return lookback(self._config().sla_seconds)

    def tick(self) -> list[Overdue]:
        config, now = self._config(), self._clock()
        with self._lock:
            overdue = self._ledger.overdue(now, config.sla_seconds)
            for late in overdue:
                self._ledger.mark_reported(late.id, now)
            self._ledger.forget_before(now - self.lookback())
        for late in overdue:
            self._report(late, config, now)
        self._producer.flush()
        if overdue and self._notify is not None:
            self._notify(overdue, config)
        return overdue

    def _report(self, late: Overdue, config: PipelineConfig, now: datetime) -> None:
        event = breach_event(late, config.sla_seconds, now, self.identity)
        self._producer.send(self._topic, key=event.id.encode(), value=codec.encode(event))
        pipeline_metrics.sla_breach()
        log.warning("SLA breach: %s received %s, %.0f s ago", late.id, late.received_at.isoformat(),
                    late.age_seconds)


def email_operations(settings: Settings) -> Notifier:
    """A notifier that mails one summary per tick to ``operations_email`` over the configured SMTP."""

    def notify(overdue: Sequence[Overdue], config: PipelineConfig) -> None:
        if not config.operations_email:
            return
        try:
            send_mail(settings, breach_summary(overdue, config))
        except (OSError, smtplib.SMTPException) as exc:
            log.error("could not e-mail the SLA breaches to %s: %s", config.operations_email, exc)

    return notify


def send_mail(settings: Settings, message: EmailMessage) -> None:
    """One message over the configured SMTP server (its TLS mode and login), on a connection of its own:
    an operator alert is rare, so the standard library's client does, without the responder's.
    Like the responder, it never sends a password in clear: with ``smtp_tls=none`` it refuses."""
    refusal = settings.cleartext_smtp_login()
    if refusal:
        raise smtplib.SMTPException(refusal)
    context = ssl.create_default_context()  # verified, as the responder's client verifies
    if settings.smtp_tls == "implicit":
        connection: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port,
                                                    timeout=SMTP_TIMEOUT_SECONDS, context=context)
    else:
        connection = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS)
    with connection as smtp:
        if settings.smtp_tls == "starttls":
            smtp.starttls(context=context)
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password.reveal())
        smtp.send_message(message)


def breach_summary(overdue: Sequence[Overdue], config: PipelineConfig) -> EmailMessage:
    subject, text = sla_summary(overdue, config.sla_seconds)
    message = EmailMessage()
    message["From"] = f"{config.sender.display_name} <{config.sender.address}>"
    message["To"] = config.operations_email or ""
    message["Subject"] = subject
    message.set_content(text)
    return message


def watch_while_leading(settings: Settings, watch: SlaWatch, interval: float,
                        stop: threading.Event) -> None:
    """Rebuild the ledger from mail.events, then tick until ``stop`` (shutdown or leadership lost)."""
    feed = EventFeed(settings, [watch.add], group_id=GROUP_ID, lookback=watch.lookback())
    feed.start()
    try:
        while not feed.caught_up.wait(0.5):
            if stop.is_set():
                return
        log.info("%s leads the SLA watch (replay done)", watch.identity)
        while not stop.wait(interval):
            watch.tick()
    finally:
        feed.stop()


def run_elected(settings: Settings, identity: str, work: Callable[[threading.Event], None],
                session_timeout: float = 10.0) -> None:
    """Run ``work(standing_down)`` only while this process is the elected leader, forever.

    ``standing_down`` is set when leadership may be lost: ``work`` must then return, and this
    process runs it again once it leads again.
    """
    with zookeeper(settings, session_timeout=session_timeout) as client, \
            LeaderElection(client, ELECTION, identity, root=settings.zk_root) as election:
        run_as_leader(election, work)


def run(settings: Settings, config: ConfigSource, *, interval: float, session_timeout: float) -> None:
    """Stand in the election and watch while leading, until the process stops."""
    identity = f"{socket.gethostname()}:{os.getpid()}"
    producer = make_producer(settings)
    try:
        watch = SlaWatch(settings, producer, config=config, identity=identity,
                         notify=email_operations(settings))
        run_elected(settings, identity, lambda lost: watch_while_leading(settings, watch, interval, lost),
                    session_timeout)
    finally:
        producer.close()
