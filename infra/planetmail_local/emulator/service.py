"""The emulator: function pools, the API gateway, the Invoke API, Kafka mappings and schedules together."""

from __future__ import annotations

import dataclasses
import logging
import threading
from pathlib import Path
from typing import Any

from planetmail_local.emulator.apigw.routes import RouteTable
from planetmail_local.emulator.apigw.server import ApiGateway, gateway_server
from planetmail_local.emulator.errors import UnknownFunctionError
from planetmail_local.emulator.http_server import BackgroundServer
from planetmail_local.emulator.kafka.mapping import KafkaEventSourceMapping
from planetmail_local.emulator.kafka.processor import Backoff
from planetmail_local.emulator.lambda_api import LambdaInvokeApi, lambda_server
from planetmail_local.emulator.model import Application
from planetmail_local.emulator.runtime.concurrency import DEFAULT_WORKERS, checked_workers
from planetmail_local.emulator.runtime.invocation import Invocation
from planetmail_local.emulator.runtime.pool import FunctionPool, InvocationListener
from planetmail_local.emulator.schedule import ScheduleRunner

log = logging.getLogger(__name__)

DEFAULT_API_PORT = 3000
DEFAULT_LAMBDA_PORT = 3001


@dataclasses.dataclass(frozen=True)
class EmulatorOptions:
    log_dir: Path
    host: str = "127.0.0.1"
    api_port: int = DEFAULT_API_PORT
    lambda_port: int = DEFAULT_LAMBDA_PORT
    kafka_options: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Security options for every Kafka client (bootstrap servers come from each mapping)."""
    backoff: Backoff = dataclasses.field(default_factory=Backoff)
    workers: int = DEFAULT_WORKERS
    """Worker processes per function at most, unless it reserves its own concurrency."""


class Emulator:
    def __init__(
        self, app: Application, options: EmulatorOptions, listener: InvocationListener | None = None
    ) -> None:
        self.app = app
        self.options = options
        self._listener = listener
        self._pools: dict[str, FunctionPool] = {}
        self._reserved = {name: spec.reserved_concurrency for name, spec in app.functions.items()
                          if spec.reserved_concurrency is not None}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._servers: list[BackgroundServer] = []
        self.mappings = [
            KafkaEventSourceMapping(m, self._invoker(m.function), options.kafka_options, options.backoff)
            for m in app.kafka_mappings
        ]

    def pool(self, function: str) -> FunctionPool:
        self._known(function)
        with self._lock:
            if function not in self._pools:
                self._pools[function] = FunctionPool(
                    self.app.functions[function], self.options.log_dir, listener=self._listener,
                    concurrency=self._workers(function),
                )
            return self._pools[function]

    @property
    def api_url(self) -> str:
        return f"http://{self.options.host}:{self._servers[0].port}"

    @property
    def lambda_url(self) -> str:
        return f"http://{self.options.host}:{self._servers[1].port}"

    def invoke(self, function: str, event: Any) -> Invocation:
        return self.pool(function).invoke(event)

    def reserved_concurrency(self, function: str) -> int | None:
        """GetFunctionConcurrency: the function's own limit, None when it shares the default."""
        self._known(function)
        return self._reserved.get(function)

    def reserve_concurrency(self, function: str, workers: int) -> None:
        """PutFunctionConcurrency: from the next invocation on, at most ``workers`` at once."""
        pool = self.pool(function)
        self._reserved[function] = checked_workers(workers, "ReservedConcurrentExecutions")
        pool.set_concurrency(workers)

    def release_concurrency(self, function: str) -> None:
        """DeleteFunctionConcurrency: back to the emulator's default (``planetmail start --workers``)."""
        pool = self.pool(function)
        self._reserved.pop(function, None)
        pool.set_concurrency(self.options.workers)

    def start(self, *, http: bool = True, kafka: bool = True, schedules: bool = True) -> None:
        if http:
            gateway = ApiGateway(RouteTable(self.app.routes), self.invoke)
            invoke_api = LambdaInvokeApi(sorted(self.app.functions), self.invoke, self.status, self)
            self._servers.append(gateway_server(gateway, self.options.host, self.options.api_port))
            self._servers.append(lambda_server(invoke_api, self.options.host, self.options.lambda_port))
            for server in self._servers:
                server.start()
        if kafka:
            for mapping in self.mappings:
                mapping.start()
        if schedules:
            for schedule in self.app.schedules:
                ScheduleRunner(schedule, self.invoke, self._stop).start()

    def stop(self) -> None:
        self._stop.set()
        for server in self._servers:
            server.stop()
        for mapping in self.mappings:
            mapping.stop()
        with self._lock:
            pools = list(self._pools.values())
        for pool in pools:
            pool.close()

    def status(self) -> dict[str, Any]:
        return {
            "template": str(self.app.template_path),
            "functions": sorted(self.app.functions),
            "mappings": {m.mapping.name: m.status() for m in self.mappings},
            "workers": {name: self._workers(name) for name in sorted(self.app.functions)},
        }

    def _workers(self, function: str) -> int:
        return self._reserved.get(function, self.options.workers)

    def _known(self, function: str) -> None:
        if function not in self.app.functions:
            raise UnknownFunctionError(function, sorted(self.app.functions))

    def _invoker(self, function: str) -> Any:
        return lambda event: self.invoke(function, event)
