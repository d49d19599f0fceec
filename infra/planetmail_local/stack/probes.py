"""Health checks: each answers 'is the service on this port ready for clients?' within a few seconds."""

from __future__ import annotations

import contextlib
import socket

import httpx
from kafka.errors import KafkaError

from planetmail.kafka import make_admin
from planetmail.settings import Settings
from planetmail_local.stack.process import port_open


def zookeeper_serving(host: str, port: int) -> bool:
    """ZooKeeper's ``srvr`` four-letter word answers only once the server is serving."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=2) as sock:
        sock.sendall(b"srvr")
        return b"Mode:" in sock.recv(1024)
    return False


def kafka_serving(settings: Settings) -> bool:
    """The broker answers metadata and a controller is elected (topics can be created).

    The client is built like every planetmail client, so on a ``--secure`` stack this also proves that
    the SCRAM login and the TLS certificate are accepted.
    """
    if not port_open(*_split(settings.kafka_bootstrap.split(",")[0])):
        return False
    try:
        admin = make_admin(settings, bootstrap_timeout_ms=3000, request_timeout_ms=3000,
                           client_id="planetmail-health")
    except (KafkaError, OSError, ValueError):
        return False
    try:
        return int(admin.describe_cluster().get("controller_id", -1)) >= 0
    except (KafkaError, OSError, ValueError):
        return False
    finally:
        admin.close()


def http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def aws_endpoint_serving(endpoint_url: str) -> bool:
    """planetmail's endpoint (moto's ``/moto-api/`` through the front) or LocalStack
    (``/_localstack/health``)."""
    base = endpoint_url.rstrip("/")
    return http_ok(f"{base}/moto-api/") or http_ok(f"{base}/_localstack/health")


def _split(address: str) -> tuple[str, int]:
    host, port = address.rsplit(":", 1)
    return host, int(port)
