"""template.yaml creates the tables with the keys the code and the local bootstrap use."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from planetmail.status import STATUS_TABLE_KEYS
from planetmail_local.emulator.yaml_loader import load_template_document

ROOT = Path(__file__).parents[3]
RESOURCES: dict[str, Any] = load_template_document(ROOT / "template.yaml")["Resources"]


def local_bootstrap() -> ModuleType:
    path = ROOT / "localstack" / "bootstrap.py"
    spec = importlib.util.spec_from_file_location("planetmail_bootstrap", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def keys(table: str) -> dict[str, Any]:
    properties = RESOURCES[table]["Properties"]
    wanted = ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes")
    return {name: properties[name] for name in wanted if name in properties}


@pytest.mark.parametrize(("table", "expected"), [
    ("StatusTable", STATUS_TABLE_KEYS),
    ("IdempotencyTable", local_bootstrap().IDEMPOTENCY_TABLE_KEYS),
])
def test_tables_have_the_keys_the_code_uses(table: str, expected: dict[str, Any]) -> None:
    assert keys(table) == expected


def test_idempotency_records_expire_on_the_attribute_the_code_writes() -> None:
    ttl = RESOURCES["IdempotencyTable"]["Properties"]["TimeToLiveSpecification"]

    assert ttl == {"AttributeName": local_bootstrap().IDEMPOTENCY_TTL_ATTRIBUTE, "Enabled": True}


@pytest.mark.parametrize("resource", ["StatusTable", "IdempotencyTable", "RawMailBucket"])
def test_stored_mail_and_status_outlive_the_stack(resource: str) -> None:
    assert RESOURCES[resource]["DeletionPolicy"] == RESOURCES[resource]["UpdateReplacePolicy"] == "Retain"
