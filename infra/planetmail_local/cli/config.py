"""``planetmail config get|set|edit``: the live pipeline configuration, where the stack's functions read
it (``config_store``: ZooKeeper on the local target, the SSM parameter on ``planetmail up --target aws``).

Every change is validated against PipelineConfig, written with compare-and-set on the stored version
(a concurrent edit is not overwritten) and announced on ``mail.events`` as a LifecycleEvent
(stage ``config``, state ``config_changed``, ``detail.version``). Running handlers pick it up by
themselves (``planetmail.config``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

import click
from kafka.errors import KafkaError

from planetmail import codec, topics
from planetmail.config import ConfigConflictError, ConfigDocumentError, StoredDocument, parse_document
from planetmail.config.stores import config_changed_event
from planetmail.coordination.client import process_identity
from planetmail.kafka import make_producer
from planetmail.pipeline_config import PipelineConfig
from planetmail.settings import Settings
from planetmail_local.cli.config_store import opened
from planetmail_local.cli.errors import UserError

CONFLICT_RETRIES = 5
ANNOUNCE_TIMEOUT = 10.0
STRING_HINT = " (values are JSON: quote a string that looks like a number, e.g. model_version='\"7\"')"


@click.group()
def config() -> None:
    """Show or change the live pipeline configuration (ZooKeeper <zk_root>/config, or the SSM
    parameter when the stack runs --target aws)."""


@config.command("get")
@click.argument("key", required=False)
def get(key: str | None) -> None:
    """Print the configuration, or the value of one dotted KEY (e.g. reply_policy.per_recipient_cap)."""
    settings = Settings.load()
    with opened(settings) as store:
        stored = store.read()
    document = stored_settings(stored)
    click.echo(json.dumps(lookup(document, key) if key else document, indent=2, ensure_ascii=False))
    click.echo(f"version {'none (defaults)' if stored.version is None else stored.version}", err=True)


@config.command("set")
@click.argument("assignments", nargs=-1, required=True, metavar="KEY=VALUE...")
@click.option("--expect-version", type=int, help="Change only if the stored version is still this one.")
def set_(assignments: tuple[str, ...], expect_version: int | None) -> None:
    """Change dotted keys; VALUE is JSON (0.7, true, [..], {..}) or else a plain string."""
    changes = [parse_assignment(text) for text in assignments]
    version = change(Settings.load(), changes, expect_version)
    click.echo(f"configuration version {version}: " + " ".join(assignments))


def change(settings: Settings, changes: list[tuple[str, Any]], expect_version: int | None = None,
           note: str = "") -> int:
    """Apply dotted-key ``changes`` to the stored configuration (compare-and-set, announced on
    mail.events with ``note``); the new version."""
    with opened(settings) as store:
        for _ in range(CONFLICT_RETRIES):
            stored = store.read()
            _check_expected(stored, expect_version)
            before = stored_settings(stored)
            after = before
            for key, value in changes:
                after = assign(after, key, value)
            try:
                version = store.write(validated(after), stored.version)
            except ConfigConflictError:
                if expect_version is not None:
                    raise _conflict(expect_version) from None
                continue
            _announce(settings, store.location, version, changed_settings(before, after), note)
            return version
    raise UserError("the configuration kept changing while being set; run the command again")


def current(settings: Settings) -> dict[str, Any]:
    """The stored configuration as JSON (the defaults when there is none)."""
    with opened(settings) as store:
        return stored_settings(store.read())


@config.command("edit")
def edit() -> None:
    """Edit the whole document in $EDITOR; saved only if it validates and nobody changed it meanwhile."""
    settings = Settings.load()
    with opened(settings) as store:
        stored = store.read()
        text = stored.raw.decode(errors="replace") or _render(_defaults())
        edited = click.edit(text, extension=".json", require_save=True)
        if edited is None or edited.strip() == text.strip():
            click.echo("no change")
            return
        try:
            new = parse_document(edited)
        except ConfigDocumentError as exc:
            raise UserError(f"the edited configuration is invalid ({exc}); nothing was saved, "
                            "run 'planetmail config edit' again") from None
        try:
            version = store.write(new, stored.version)
        except ConfigConflictError:
            raise _conflict(stored.version) from None
    _announce(settings, store.location, version,
              changed_settings(_lenient(stored), new.model_dump(mode="json")))
    click.echo(f"configuration version {version} saved")


def parse_assignment(text: str) -> tuple[str, Any]:
    key, separator, raw = text.partition("=")
    if not separator or not key.strip():
        raise UserError(f"{text!r} is not KEY=VALUE; e.g. planetmail config set confidence_threshold=0.6")
    try:
        return key.strip(), json.loads(raw)
    except json.JSONDecodeError:
        return key.strip(), raw


def assign(document: Mapping[str, Any], key: str, value: Any) -> dict[str, Any]:
    """A copy of ``document`` with dotted ``key`` set to ``value`` (sections created as needed)."""
    parts = key.split(".")
    if "" in parts:
        raise UserError(f"{key!r} is not a dotted key; e.g. reply_policy.per_recipient_cap")
    result = copy.deepcopy(dict(document))
    section = result
    for depth, part in enumerate(parts[:-1]):
        child = section.setdefault(part, {})
        if not isinstance(child, dict):
            raise UserError(f"{'.'.join(parts[:depth + 1])} is a value, not a section; "
                            f"set it directly instead of {key}")
        section = child
    section[parts[-1]] = value
    return result


def lookup(document: Mapping[str, Any], key: str) -> Any:
    value: Any = document
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise UserError(f"no setting {key!r}; run 'planetmail config get' to see them all")
        value = value[part]
    return value


def changed_settings(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted key → new value for every leaf that differs (None for a removed one)."""
    flat_before, flat_after = _flatten(before), _flatten(after)
    return {key: flat_after.get(key) for key in sorted(flat_before.keys() | flat_after.keys())
            if flat_before.get(key) != flat_after.get(key)}


def validated(document: Mapping[str, Any]) -> PipelineConfig:
    try:
        return parse_document(json.dumps(document))
    except ConfigDocumentError as exc:
        hint = STRING_HINT if "valid string" in str(exc) else ""
        raise UserError(f"invalid configuration: {exc}{hint}; nothing was saved") from None


def stored_settings(stored: StoredDocument) -> dict[str, Any]:
    """The stored document as JSON (the defaults when there is none)."""
    if not stored.raw:
        return _defaults()
    try:
        document = json.loads(stored.raw)
    except json.JSONDecodeError:
        document = None
    if not isinstance(document, dict):
        raise UserError(f"stored configuration version {stored.version} is not a JSON object; "
                        "fix it with 'planetmail config edit'")
    return document


def _lenient(stored: StoredDocument) -> dict[str, Any]:
    try:
        return stored_settings(stored)
    except UserError:
        return {}


def _flatten(document: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in document.items():
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _defaults() -> dict[str, Any]:
    return PipelineConfig().model_dump(mode="json")


def _render(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _check_expected(stored: StoredDocument, expected: int | None) -> None:
    if expected is not None and stored.version != expected:
        raise _conflict(expected)


def _conflict(expected: int | None) -> UserError:
    seen = "no document" if expected is None else f"version {expected}"
    return UserError(f"the configuration changed since {seen}; "
                     "look at 'planetmail config get' and apply your change again")


def _announce(settings: Settings, location: str, version: int, changes: Mapping[str, Any],
              note: str = "") -> None:
    event = config_changed_event(version, location, changes, process_identity(), note)
    try:
        # kafka-python waits bootstrap_timeout_ms (30 s) for an unreachable Kafka before max_block_ms
        timeout_ms = int(ANNOUNCE_TIMEOUT * 1000)
        producer = make_producer(settings, max_block_ms=timeout_ms, bootstrap_timeout_ms=timeout_ms)
        try:
            producer.send(settings.topic(topics.EVENTS), key=event.id.encode(),
                          value=codec.encode(event)).get(timeout=ANNOUNCE_TIMEOUT)
        finally:
            producer.close()
    except KafkaError as exc:
        raise UserError(f"configuration version {version} is saved but not announced on mail.events "
                        f"({exc}); check Kafka at {settings.kafka_bootstrap}") from None
