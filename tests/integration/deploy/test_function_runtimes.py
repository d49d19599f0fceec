"""Each deployment package imports its handler with only what it ships: a fresh venv per package,
installed from the generated requirements files alone (hash-checked, as ``sam build`` and the image's
pip do), with the package's code on ``sys.path`` as Lambda lays it out (function code, then the layer).

Every function runs Python 3.12 on AWS; this machine has 3.11, so the sets are installed for 3.11 here
(the lock pins versions that have wheels for both)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from planetmail_local.toolchain import uv_command

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parents[3]
FUNCTIONS = ROOT / "functions"
LAYER = FUNCTIONS / "common"

# (what is installed, what is on sys.path, the handlers' modules): mirrors template.yaml and the Dockerfile.
PACKAGES = {
    "collector": ([LAYER, FUNCTIONS / "collector"], [FUNCTIONS / "collector", LAYER],
                  ["collector.app", "collector.imap_poller"]),
    "responder": ([LAYER, FUNCTIONS / "responder"], [FUNCTIONS / "responder", LAYER], ["responder.handler"]),
    "processor": ([FUNCTIONS / "processor"], [FUNCTIONS / "processor", LAYER], ["processor.handler"]),
    "retrain": ([FUNCTIONS / "processor"], [FUNCTIONS / "retrain", FUNCTIONS / "processor", LAYER],
                ["retrain.handler"]),
    "watchdog": ([LAYER, FUNCTIONS / "watchdog"], [FUNCTIONS / "watchdog", LAYER], ["sla_watchdog.handler"]),
    "inbox": ([LAYER, FUNCTIONS / "inbox"], [FUNCTIONS / "inbox", LAYER], ["inbox.app", "inbox.indexer"]),
    "layer": ([LAYER], [LAYER], ["planetmail.kafka", "planetmail.status", "planetmail.settings",
                                "planetmail.config", "planetmail.coordination.backends"]),
}


def _venv_with(requirements: list[Path], folder: Path) -> Path:
    subprocess.run([*uv_command(), "venv", "-q", "--python", sys.executable, str(folder)], check=True)
    python = folder / "bin" / "python"
    files = [argument for path in requirements for argument in ("-r", str(path / "requirements.txt"))]
    subprocess.run([*uv_command(), "pip", "install", "-q", "--require-hashes", "--python", str(python),
                    *files], check=True)
    return python


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_the_package_imports_its_handlers_with_only_its_own_requirements(
        package: str, tmp_path: Path) -> None:
    installed, path, modules = PACKAGES[package]
    python = _venv_with(installed, tmp_path / "venv")
    environment = {"PATH": os.environ["PATH"], "PYTHONPATH": os.pathsep.join(map(str, path)),
                   "AWS_REGION": "us-east-1", "HOME": str(tmp_path)}

    result = subprocess.run([str(python), "-c", "; ".join(f"import {module}" for module in modules)],
                            capture_output=True, text=True, check=False, env=environment, cwd=tmp_path)

    assert result.returncode == 0, f"{package}: {result.stderr.strip().splitlines()[-1:]}"


def test_a_handler_import_the_requirements_do_not_provide_fails(tmp_path: Path) -> None:
    python = _venv_with([LAYER], tmp_path / "venv")

    environment = {"PATH": os.environ["PATH"], "PYTHONPATH": f"{FUNCTIONS / 'responder'}:{LAYER}"}

    result = subprocess.run([str(python), "-c", "import responder.handler"], capture_output=True, text=True,
                            check=False, cwd=tmp_path, env=environment)

    assert result.returncode != 0
    assert "ModuleNotFoundError" in result.stderr


def test_the_layer_runs_without_kazoo_until_the_zookeeper_source_is_chosen(tmp_path: Path) -> None:
    python = _venv_with([LAYER], tmp_path / "venv")
    environment = {"PATH": os.environ["PATH"], "PYTHONPATH": str(LAYER), "HOME": str(tmp_path),
                   "AWS_REGION": "us-east-1"}
    script = ("from planetmail.config import config_source\n"
              "from planetmail.settings import Settings\n"
              "config_source(Settings.load(environ={'PLANETMAIL_CONFIG_SOURCE': 'environment'}))\n"
              "print('environment source ok', flush=True)\n"
              "config_source(Settings.load(environ={'PLANETMAIL_CONFIG_SOURCE': 'zookeeper'}))\n")

    result = subprocess.run([str(python), "-c", script], capture_output=True, text=True, check=False,
                            cwd=tmp_path, env=environment)

    assert result.stdout == "environment source ok\n", result.stderr
    assert "No module named 'kazoo'" in result.stderr
