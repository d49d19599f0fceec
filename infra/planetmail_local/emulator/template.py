"""Read a SAM template into an ``Application``: parameters, conditions, Globals, intrinsics, overrides."""

from __future__ import annotations

import json
import shlex
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from planetmail_local.emulator.errors import TemplateError
from planetmail_local.emulator.event_sources import parse_function_events, parse_mapping_resource
from planetmail_local.emulator.image_function import image_code
from planetmail_local.emulator.intrinsics import Resolver
from planetmail_local.emulator.model import (
    DEFAULT_RUNTIME,
    Application,
    FunctionSpec,
    HttpRoute,
    KafkaMapping,
    Schedule,
)
from planetmail_local.emulator.runtime.concurrency import checked_workers
from planetmail_local.emulator.yaml_loader import load_template_document

SERVERLESS_FUNCTION = "AWS::Serverless::Function"
IMAGE_PACKAGE = "Image"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
SERVERLESS_LAYER = "AWS::Serverless::LayerVersion"
EVENT_SOURCE_MAPPING = "AWS::Lambda::EventSourceMapping"
SAM_CONFIG = "samconfig.toml"
LOCAL_CONFIG_ENV = "local"
"""The samconfig.toml environment the emulator reads, as ``sam local`` reads ``--config-env``."""


def load_application(
    template_path: Path,
    parameter_overrides: Mapping[str, str] | None = None,
    env_overrides: Mapping[str, Mapping[str, str]] | None = None,
    kafka_bootstrap: str | None = None,
    config_env: str = LOCAL_CONFIG_ENV,
) -> Application:
    """``kafka_bootstrap`` stands in for MSK clusters, which have no address outside AWS. Parameters:
    the template's defaults, then ``parameter_overrides`` of ``config_env`` in the samconfig.toml next
    to the template, then ``parameter_overrides``."""
    document = load_template_document(template_path)
    configured = config_parameter_overrides(template_path.parent / SAM_CONFIG, config_env)
    resolver = Resolver(
        _parameters(document, {**configured, **(parameter_overrides or {})}),
        document.get("Conditions", {}),
        document["Resources"],
    )
    resources = {
        name: spec
        for name, spec in document["Resources"].items()
        if "Condition" not in spec or resolver.condition(spec["Condition"])
    }
    base = template_path.parent
    globals_ = resolver.resolve(document.get("Globals", {}).get("Function", {}))
    layers = {
        name: _layer_dir(base, name, resolver.resolve(spec.get("Properties", {})))
        for name, spec in resources.items()
        if spec.get("Type") == SERVERLESS_LAYER
    }
    functions: dict[str, FunctionSpec] = {}
    routes: list[HttpRoute] = []
    mappings: list[KafkaMapping] = []
    schedules: list[Schedule] = []
    for name, spec in resources.items():
        if spec.get("Type") not in (SERVERLESS_FUNCTION, LAMBDA_FUNCTION):
            continue
        properties = _merge_globals(globals_, resolver.resolve(spec.get("Properties", {})))
        code = (
            _image_code(base, name, resolver.resolve(spec.get("Metadata", {})), properties)
            if properties.get("PackageType") == IMAGE_PACKAGE
            else _zip_code(base, name, properties, layers)
        )
        functions[name] = _function(name, code, properties, env_overrides or {})
        found = parse_function_events(name, properties.get("Events", {}), kafka_bootstrap)
        routes += found.routes
        mappings += found.kafka_mappings
        schedules += found.schedules
    for name, spec in resources.items():
        if spec.get("Type") == EVENT_SOURCE_MAPPING:
            mappings.append(
                parse_mapping_resource(
                    name, resolver.resolve(spec.get("Properties", {})), functions, kafka_bootstrap
                )
            )
    _check_consumer_groups_unique(mappings)
    return Application(template_path, functions, tuple(routes), tuple(mappings), tuple(schedules))


def _check_consumer_groups_unique(mappings: list[KafkaMapping]) -> None:
    """AWS refuses a ConsumerGroupId that another Kafka event source already uses; locally, two
    mappings in one group would split (or, with kafka-python's leader, drop) each other's topics."""
    seen: dict[str, KafkaMapping] = {}
    for mapping in mappings:
        other = seen.setdefault(mapping.consumer_group, mapping)
        if other is not mapping:
            raise TemplateError(
                f"{other.name} and {mapping.name} both join consumer group {mapping.consumer_group!r}; "
                "AWS requires a ConsumerGroupId unique among all Kafka event sources: give each its own")


def parse_parameter_overrides(text: str) -> dict[str, str]:
    """SAM's two spellings: ``Key=Value Key2=Value2`` and ``ParameterKey=K,ParameterValue=V``."""
    overrides: dict[str, str] = {}
    for item in shlex.split(text):
        if item.startswith("ParameterKey="):
            key_part, _, value_part = item.partition(",ParameterValue=")
            overrides[key_part.removeprefix("ParameterKey=")] = value_part
        elif "=" in item:
            key, _, value = item.partition("=")
            overrides[key] = value
        else:
            raise TemplateError(f"parameter override {item!r} is not Key=Value; write Name=value")
    return overrides


def config_parameter_overrides(path: Path, environment: str) -> dict[str, str]:
    """``[<environment>.global.parameters] parameter_overrides`` of a samconfig.toml (a string or a
    list of ``Key=Value``); nothing when the file or the entry is absent."""
    if not path.is_file():
        return {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{path} is not TOML ({exc}); fix it") from None
    parameters = document.get(environment, {}).get("global", {}).get("parameters", {})
    value = parameters.get("parameter_overrides", "")
    text = value if isinstance(value, str) else " ".join(shlex.quote(str(item)) for item in value)
    return parse_parameter_overrides(text)


def load_env_overrides(path: Path) -> dict[str, dict[str, str]]:
    """SAM's --env-vars file: ``{"Function": {"VAR": "v"}, "Parameters": {"VAR": "v"}}``."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TemplateError(f"env-vars file {path} does not exist; fix the path") from None
    except json.JSONDecodeError as exc:
        raise TemplateError(
            f"env-vars file {path} is not JSON ({exc.msg} at line {exc.lineno}); fix it"
        ) from None
    if not isinstance(document, dict) or not all(isinstance(v, dict) for v in document.values()):
        raise TemplateError(f"env-vars file {path} must map function names (or Parameters) to objects")
    return {name: {k: str(v) for k, v in variables.items()} for name, variables in document.items()}


def _parameters(document: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    declared: dict[str, Any] = document.get("Parameters", {})
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise TemplateError(
            f"parameter override {unknown[0]!r} is not a template parameter; "
            f"use one of: {', '.join(sorted(declared))}"
        )
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        if name in overrides:
            values[name] = overrides[name]
        elif "Default" in spec:
            values[name] = spec["Default"]
        else:
            raise TemplateError(f"parameter {name!r} has no Default; pass --parameter-overrides {name}=VALUE")
        allowed = spec.get("AllowedValues")
        if allowed and str(values[name]) not in [str(a) for a in allowed]:
            raise TemplateError(
                f"parameter {name}={values[name]!r} is not allowed; use one of: "
                f"{', '.join(map(str, allowed))}"
            )
    return values


def _merge_globals(globals_: Mapping[str, Any], properties: Mapping[str, Any]) -> dict[str, Any]:
    merged = {**globals_, **properties}
    global_env = globals_.get("Environment", {}).get("Variables", {})
    own_env = properties.get("Environment", {}).get("Variables", {})
    merged["Environment"] = {"Variables": {**global_env, **own_env}}
    merged["Layers"] = [*globals_.get("Layers", []), *properties.get("Layers", [])]
    return merged


def _layer_dir(base: Path, name: str, properties: Mapping[str, Any]) -> Path:
    content = properties.get("ContentUri")
    if not isinstance(content, str):
        raise TemplateError(
            f"layer {name}: ContentUri must be a local directory locally; set ContentUri: DIR"
        )
    directory = (base / content).resolve()
    if not directory.is_dir():
        raise TemplateError(f"layer {name}: ContentUri {content} is not a directory; fix ContentUri")
    return directory


class FunctionCode(NamedTuple):
    handler: str
    runtime: str
    code_dir: Path
    layer_dirs: tuple[Path, ...] = ()
    extra_code_dirs: tuple[Path, ...] = ()


def _function(
    name: str,
    code: FunctionCode,
    properties: Mapping[str, Any],
    env_overrides: Mapping[str, Mapping[str, str]],
) -> FunctionSpec:
    environment = {k: str(v) for k, v in properties.get("Environment", {}).get("Variables", {}).items()}
    for scope in ("Parameters", name):
        environment.update({k: v for k, v in env_overrides.get(scope, {}).items() if k in environment})
    return FunctionSpec(
        name=name,
        handler=code.handler,
        code_dir=code.code_dir,
        layer_dirs=code.layer_dirs,
        extra_code_dirs=code.extra_code_dirs,
        runtime=code.runtime,
        memory_mb=int(properties.get("MemorySize", 128)),
        timeout_seconds=float(properties.get("Timeout", 3)),
        environment=environment,
        reserved_concurrency=_reserved_concurrency(name, properties),
    )


def _reserved_concurrency(name: str, properties: Mapping[str, Any]) -> int | None:
    value = properties.get("ReservedConcurrentExecutions")
    if value is None:
        return None
    number = int(value) if isinstance(value, str) and value.isdigit() else value
    try:
        return checked_workers(number, "ReservedConcurrentExecutions")
    except ValueError as exc:
        throttled = " (0 throttles every invocation on AWS; not emulated)" if number == 0 else ""
        raise TemplateError(f"function {name}: {exc}{throttled}; fix ReservedConcurrentExecutions") from None


def _zip_code(
    base: Path, name: str, properties: Mapping[str, Any], layers: Mapping[str, Path]
) -> FunctionCode:
    code_uri = properties.get("CodeUri", ".")
    if not isinstance(code_uri, str) or not (base / code_uri).is_dir():
        raise TemplateError(f"function {name}: CodeUri {code_uri!r} is not a directory; fix CodeUri")
    runtime = str(properties.get("Runtime", DEFAULT_RUNTIME))
    if not runtime.startswith("python"):
        raise TemplateError(
            f"function {name}: runtime {runtime} is not Python; only Python handlers run here"
        )
    handler = properties.get("Handler")
    if not isinstance(handler, str) or handler.count(".") < 1:
        raise TemplateError(f"function {name}: Handler {handler!r} is not MODULE.FUNCTION; fix Handler")
    layer_dirs = tuple(_referenced_layer(name, layer, layers) for layer in properties.get("Layers", []))
    code_dir = (base / code_uri).resolve()
    _handler_root(name, handler, (code_dir, *layer_dirs), "fix Handler or CodeUri")
    return FunctionCode(handler, runtime, code_dir, layer_dirs)


def _image_code(
    base: Path, name: str, metadata: Mapping[str, Any], properties: Mapping[str, Any]
) -> FunctionCode:
    """The handler's source directory stands for ``LAMBDA_TASK_ROOT``; the other sources follow it."""
    image = image_code(name, base, metadata, properties)
    fix = "fix CMD (or ImageConfig Command) or the Dockerfile's COPY lines"
    code_dir = _handler_root(name, image.handler, image.source_dirs, fix)
    others = tuple(path for path in image.source_dirs if path != code_dir)
    return FunctionCode(image.handler, image.runtime, code_dir, extra_code_dirs=others)


def _referenced_layer(function: str, layer: Any, layers: Mapping[str, Path]) -> Path:
    if isinstance(layer, str) and layer in layers:
        return layers[layer]
    raise TemplateError(
        f"function {function}: layer {layer!r} is not a local LayerVersion in the template; "
        "reference one with !Ref"
    )


def _handler_root(function: str, handler: str, roots: tuple[Path, ...], fix: str) -> Path:
    """The first of ``roots`` that holds the handler's module."""
    module = handler.rsplit(".", 1)[0].replace(".", "/")
    for root in roots:
        for candidate in (
            root / f"{module}.py",
            root / module / "__init__.py",
            root / "python" / f"{module}.py",
        ):
            if candidate.is_file():
                return root
    raise TemplateError(
        f"function {function}: handler module {handler.rsplit('.', 1)[0]!r} not found under "
        f"{roots[0]}; {fix}"
    )
