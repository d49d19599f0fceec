"""What each deployment package installs, generated from ``uv.lock``: ``python -m planetmail_local.lock``.

``uv.lock`` is the one source of truth for versions. Lambda does not read it: ``sam build`` pip-installs
each zip function's ``requirements.txt`` and the layer's, and each image's Dockerfile installs the
processor's (the retrain image installs the same file). This module writes those files from the lock,
each one the hashed closure of the package's own runtime roots (``pyproject.toml``: the base
dependencies for the layer, an extra per function) at the locked versions, for the Python that package
runs on. ``--check`` only compares, and exits 1 with the stale files named;
``tests/unit/deploy/test_requirements.py`` makes the same comparison through ``stale()``.
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from planetmail_local.toolchain import uv_command

ROOT = Path(__file__).resolve().parents[2]
LAMBDA_PLATFORM = "x86_64-manylinux_2_17"
"""The wheels Lambda's x86_64 runtimes load (Amazon Linux 2 and 2023 both satisfy manylinux2014)."""
REGENERATE = "python -m planetmail_local.lock"


@dataclasses.dataclass(frozen=True)
class DeploymentPackage:
    """One requirements file that a deployment installs, and what it must hold."""

    path: str
    extras: tuple[str, ...]
    """Extras of ``pyproject.toml`` whose dependencies are this package's roots; "" is the base set."""
    python: str
    header: str


PACKAGES = (
    DeploymentPackage("functions/common/requirements.txt", ("",), "3.12",
                      "CommonLayer (BuildMethod python3.12): the planetmail package's runtime."),
    DeploymentPackage("functions/collector/requirements.txt", ("collector",), "3.12",
                      "CollectorFunction and ImapPollerFunction (python3.12); the layer adds the base set."),
    DeploymentPackage("functions/inbox/requirements.txt", ("inbox",), "3.12",
                      "InboxFunction and InboxIndexerFunction (python3.12); the layer adds the base set."),
    DeploymentPackage("functions/responder/requirements.txt", ("responder",), "3.12",
                      "ResponderFunction (python3.12); the layer adds the base set."),
    DeploymentPackage("functions/watchdog/requirements.txt", (), "3.12",
                      "SlaWatchdogFunction (python3.12): the layer holds everything it imports."),
    DeploymentPackage("functions/processor/requirements.txt", ("", "processor"), "3.12",
                      "ProcessorFunction's and RetrainFunction's images (their Dockerfiles, "
                      "lambda/python:3.12): images take no layers, so this holds the base set too."),
)


def project_roots(extras: tuple[str, ...], pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """The requirement strings of the base set ("") and the named extras."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    optional = project.get("optional-dependencies", {})
    return [requirement for extra in extras
            for requirement in (project["dependencies"] if extra == "" else optional[extra])]


def locked_pins() -> str:
    """Every runtime distribution of the lock, pinned (``name==version`` lines with markers)."""
    return _uv("export", "--frozen", "--all-extras", "--no-dev", "--no-emit-project", "--no-hashes",
               "--no-header", "--no-annotate")


def render(package: DeploymentPackage, pins: str) -> str:
    """The requirements file for one package: its roots' closure at the locked versions, hashed."""
    with tempfile.TemporaryDirectory() as folder:
        constraints = Path(folder) / "constraints.txt"
        roots = Path(folder) / "roots.txt"
        constraints.write_text(pins, encoding="utf-8")
        roots.write_text("\n".join(project_roots(package.extras)) + "\n", encoding="utf-8")
        body = _uv("pip", "compile", "-q", "--generate-hashes", "--no-header", "--no-annotate",
                   "--python-version", package.python, "--python-platform", LAMBDA_PLATFORM,
                   "-c", str(constraints), str(roots))
    return f"# {package.header}\n# Generated from uv.lock by `{REGENERATE}`: do not edit.\n{body}"


def stale(packages: tuple[DeploymentPackage, ...] = PACKAGES, root: Path = ROOT) -> dict[Path, str]:
    """The files whose content differs from what the lock gives, with the content they should have."""
    pins = locked_pins()
    wanted = {root / package.path: render(package, pins) for package in packages}
    return {path: text for path, text in wanted.items()
            if not path.is_file() or path.read_text(encoding="utf-8") != text}


def _uv(*arguments: str) -> str:
    result = subprocess.run([*uv_command(), *arguments], cwd=ROOT, capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        raise SystemExit(f"uv {arguments[0]} failed: {result.stderr.strip()}")
    return result.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when a file is stale")
    args = parser.parse_args(argv)
    changed = stale()
    for path, text in changed.items():
        if args.check:
            print(f"{path.relative_to(ROOT)} is out of step with uv.lock; regenerate: {REGENERATE}",
                  file=sys.stderr)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
