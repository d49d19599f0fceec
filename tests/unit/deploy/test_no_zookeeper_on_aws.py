"""No ZooKeeper on AWS: no deployed package installs kazoo, and no handler imports it unless the
local target chooses a ZooKeeper backend (``PLANETMAIL_CONFIG_SOURCE`` / ``PLANETMAIL_COORDINATION``).

kazoo is local tooling (the ``local`` extra); the layer's ZooKeeper backends
(``deploy_imports.ZOOKEEPER_BACKEND``) are imported inside the function that chooses them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from deploy_imports import (
    ROOT,
    ZOOKEEPER_BACKEND,
    canonical,
    imported_names,
    module_file,
    reachable_modules,
    requirement_lines,
)
from packaging.requirements import Requirement

from planetmail_local import lock
from planetmail_local.emulator.image_function import image_code
from planetmail_local.emulator.yaml_loader import load_template_document

RESOURCES = load_template_document(ROOT / "template.yaml")["Resources"]


def _handler(name: str, spec: dict[str, Any]) -> str:
    handler = spec["Properties"].get("Handler") or image_code(name, ROOT, spec["Metadata"], {}).handler
    return str(handler).rsplit(".", 1)[0]


HANDLERS = sorted({_handler(name, spec) for name, spec in RESOURCES.items()
                   if spec["Type"] == "AWS::Serverless::Function"})
"""Every handler module of template.yaml (the image function's is its Dockerfile's CMD)."""
SOURCE_PATHS = [str(ROOT / "functions" / name)
                for name in ("common", "collector", "processor", "responder", "inbox", "watchdog", "retrain")]

LOADED_AFTER_IMPORT = """
import importlib, json, sys
for module in sys.argv[1:]:
    importlib.import_module(module)
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] == "kazoo"
                        or name in {zookeeper_modules!r})))
"""


def kazoo_modules_loaded_by(modules: list[str]) -> list[str]:
    """kazoo's modules and the ZooKeeper backends a fresh interpreter loads importing ``modules``
    (kazoo is installed in this venv, so only importing decides)."""
    code = LOADED_AFTER_IMPORT.format(zookeeper_modules=sorted(ZOOKEEPER_BACKEND))
    result = subprocess.run([sys.executable, "-c", code, *modules], capture_output=True, text=True,
                            check=True, cwd=ROOT, timeout=120,
                            env={"PYTHONPATH": ":".join(SOURCE_PATHS), "PATH": "/usr/bin:/bin"})
    return list(json.loads(result.stdout.splitlines()[-1]))


def test_template_handlers_are_found() -> None:
    assert {"processor.handler", "collector.imap_poller", "sla_watchdog.handler", "retrain.handler"} <= set(
        HANDLERS)


@pytest.mark.parametrize("package", lock.PACKAGES, ids=lambda package: package.path)
def test_no_deployed_package_installs_kazoo(package: lock.DeploymentPackage) -> None:
    names = {canonical(Requirement(line).name) for line in requirement_lines(ROOT / package.path)}

    assert "kazoo" not in names, f"kazoo belongs in the 'local' extra, not in {package.path}'s roots"
    assert "kazoo" not in map(canonical, lock.project_roots(package.extras))


def test_importing_every_handler_loads_neither_kazoo_nor_a_zookeeper_backend() -> None:
    assert kazoo_modules_loaded_by(HANDLERS) == []


def test_a_zookeeper_backend_imported_by_a_handler_is_found() -> None:
    assert "kazoo.client" in kazoo_modules_loaded_by([*HANDLERS, "planetmail.config.zookeeper"])


@pytest.mark.parametrize("handler", HANDLERS)
def test_no_handler_imports_a_zookeeper_backend_at_import_time(handler: str) -> None:
    modules, third_party = reachable_modules([handler], eager_only=True)

    assert not modules & ZOOKEEPER_BACKEND
    assert "kazoo" not in third_party


def test_only_the_zookeeper_backends_import_kazoo() -> None:
    layer = ROOT / "functions" / "common"
    importers = {".".join(path.relative_to(layer).with_suffix("").parts).removesuffix(".__init__")
                 for path in (layer / "planetmail").rglob("*.py")
                 if any(name.split(".")[0] == "kazoo" for name in imported_names(path))}

    assert importers == ZOOKEEPER_BACKEND


def test_a_lazy_import_is_not_an_import_time_one(tmp_path: Path) -> None:
    module = tmp_path / "lazy.py"
    module.write_text("import json\n\ndef choose():\n    import kazoo.client\n", encoding="utf-8")

    assert set(imported_names(module)) == {"json", "kazoo.client"}
    assert set(imported_names(module, eager_only=True)) == {"json"}
    assert module_file("planetmail.config.zookeeper") is not None
