"""The stack, in start order: ONE explicit list of services and steps.

``up`` walks it forwards, ``down`` stops its services backwards, ``status``/``logs`` list its services.
To add a service (the FaaS emulator, for instance), append one line to :func:`stack_components`::

    CommandService(config, "emulator", 3000, planetmail_cli("start"),
                   lambda: probes.http_ok("http://127.0.0.1:3001/..."), port_setting="...")

or a small :class:`~planetmail_local.stack.service.ManagedService` subclass with ``command()`` and
``healthy()``. Its pid file, log file (``planetmail logs NAME``), port-conflict check, adoption of a
healthy foreign process and clean stop then come for free.
"""

from __future__ import annotations

from typing import TypeGuard

from planetmail_local.stack.config import REPO_ROOT, StackConfig
from planetmail_local.stack.emulator_service import emulator_service
from planetmail_local.stack.jvm import Kafka, ZooKeeper
from planetmail_local.stack.service import Service, Step
from planetmail_local.stack.services import AwsEndpoint, MotoServer, SmtpSink
from planetmail_local.stack.steps import (
    AwsEndpointPackages,
    AwsResources,
    ClassifierModel,
    ContractTopics,
    KafkaJars,
    KafkaSecurity,
)

Component = Service | Step


def stack_components(config: StackConfig, *, pipeline: bool = False) -> list[Component]:
    """The services and steps; ``pipeline`` adds the classifier model and the FaaS emulator running
    planetmail's template (what ``planetmail up`` starts; the test session runs its own emulators)."""
    infrastructure: list[Component] = [
        KafkaJars(config),
        ZooKeeper(config),
        KafkaSecurity(config),
        Kafka(config),
        AwsEndpointPackages(config),
        MotoServer(config),
        AwsEndpoint(config),
        SmtpSink(config),
        ContractTopics(config),
        AwsResources(config),
    ]
    if not pipeline:
        return infrastructure
    return [*infrastructure, ClassifierModel(config), emulator_service(config, REPO_ROOT / "template.yaml")]


def is_service(component: Component) -> TypeGuard[Service]:
    return hasattr(component, "start")


def is_step(component: Component) -> TypeGuard[Step]:
    return hasattr(component, "run")


def stack_services(config: StackConfig, *, pipeline: bool = False) -> list[Service]:
    return [c for c in stack_components(config, pipeline=pipeline) if is_service(c)]
