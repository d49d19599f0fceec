"""The service registry on the shared ZooKeeper: ephemeral nodes, listing, watching, heartbeats."""

from __future__ import annotations

import os
import socket

import pytest
from coordination_waiting import wait_for
from coordination_zookeeper import expire_session
from kazoo.client import KazooClient

from planetmail.coordination.client import new_client
from planetmail.coordination.registry import RegistryEntry, register, registered, watch_registry
from planetmail.settings import Settings

pytestmark = pytest.mark.integration


def test_instances_are_listed_with_what_they_run(zk_settings: Settings, zk_client: KazooClient) -> None:
    root = zk_settings.zk_root
    with (register(zk_client, root, "emulator", "emulator-3000", functions=("ProcessorFunction",),
                   mappings=("mail.received",)),
          register(zk_client, root, "worker", "processor-1")):
        entries = registered(zk_client, root)
        assert [(e.kind, e.instance) for e in entries] == [
            ("emulator", "emulator-3000"), ("worker", "processor-1"),
        ]
        emulator = entries[0]
        assert (emulator.host, emulator.pid) == (socket.gethostname(), os.getpid())
        assert (emulator.functions, emulator.mappings) == (("ProcessorFunction",), ("mail.received",))
        assert emulator.age() < 60
        assert [e.instance for e in registered(zk_client, root, "worker")] == ["processor-1"]
    assert registered(zk_client, root) == []


def test_a_watch_notices_instances_coming_and_going(zk_settings: Settings, zk_client: KazooClient) -> None:
    root = zk_settings.zk_root
    changes: list[tuple[set[str], set[str]]] = []
    first = register(zk_client, root, "worker", "a")
    watch_registry(zk_client, root, "worker", lambda joined, left: changes.append((joined, left)))
    assert wait_for(lambda: changes == [({"a"}, set())])
    other = new_client(zk_settings)
    other.start(timeout=10)
    register(other, root, "worker", "b")
    assert wait_for(lambda: changes[-1:] == [({"b"}, set())])
    other.stop()  # the session ends, its ephemeral node goes with it
    other.close()
    assert wait_for(lambda: changes[-1:] == [(set(), {"b"})])
    first.close()
    assert wait_for(lambda: changes[-1:] == [(set(), {"a"})])


def test_heartbeats_refresh_the_entry_and_bring_a_deleted_node_back(zk_settings: Settings,
                                                                   zk_client: KazooClient) -> None:
    root = zk_settings.zk_root
    with register(zk_client, root, "worker", "a", interval=0.1) as registration:
        started = _entry(zk_client, registration.path)
        assert wait_for(lambda: _entry(zk_client, registration.path).heartbeat > started.heartbeat)
        zk_client.delete(registration.path)  # what a session expiry does
        assert wait_for(lambda: zk_client.exists(registration.path) is not None)
        assert _entry(zk_client, registration.path).started == started.started


def test_a_name_held_by_another_session_is_not_taken_over(zk_settings: Settings,
                                                           zk_client: KazooClient) -> None:
    root = zk_settings.zk_root
    other = new_client(zk_settings)
    other.start(timeout=10)
    register(other, root, "worker", "same")
    with register(zk_client, root, "worker", "same", interval=0.1) as mine:
        owner = zk_client.exists(mine.path).ephemeralOwner
        assert owner == other.client_id[0]
        other.stop()
        other.close()
        assert wait_for(lambda: (stat := zk_client.exists(mine.path)) is not None
                        and stat.ephemeralOwner == zk_client.client_id[0])


def _entry(client: KazooClient, path: str) -> RegistryEntry:
    raw, _ = client.get(path)
    return RegistryEntry.model_validate_json(raw)


def test_a_registration_comes_back_after_its_session_expired(zk_settings: Settings,
                                                             zk_client: KazooClient) -> None:
    with register(zk_client, zk_settings.zk_root, "worker", "a", interval=0.1) as registration:
        expire_session(zk_client)
        assert wait_for(lambda: (stat := zk_client.exists(registration.path)) is not None
                        and stat.ephemeralOwner == zk_client.client_id[0])
