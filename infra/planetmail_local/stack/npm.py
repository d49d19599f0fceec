"""npm packages in the cache, installed with ``npm ci`` from a folder's lock file, once per lock file:
the AWS endpoint's (dynalite) and the browser tests' tools (axe-core)."""

from __future__ import annotations

import shutil
from pathlib import Path

from planetmail_local.cli.errors import UserError
from planetmail_local.stack.config import REPO_ROOT, StackConfig
from planetmail_local.stack.staged import StagedInstall

AWS_ENDPOINT_DIR = REPO_ROOT / "infra" / "aws_endpoint"
FRONT_SCRIPT = AWS_ENDPOINT_DIR / "front.js"
_MANIFESTS = ("package.json", "package-lock.json")


def install_aws_endpoint_packages(config: StackConfig) -> Path:
    """infra/aws_endpoint's ``node_modules`` in the cache; ``npm ci`` runs only when the lock file changed."""
    return install_npm_packages(AWS_ENDPOINT_DIR, config.aws_packages, config.log_file("aws-packages"),
                                "dynalite", "the AWS endpoint's packages", "planetmail up")


def install_npm_packages(source: Path, target: Path, log: Path, marker: str, what: str, retry: str) -> Path:
    """``node_modules`` of the package.json + package-lock.json in ``source``, installed under ``target``
    (``marker`` names a package that must be there); ``retry`` is the command to run after a fix."""
    install = StagedInstall(target, source / "package-lock.json", log,
                            complete=lambda folder: (folder / "node_modules" / marker).is_dir())
    if install.installed():
        return install.target / "node_modules"
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise UserError("node or npm not found on PATH; install Node.js 20+ with npm (node -v) and retry")
    installed = install.run(
        lambda staging: [npm, "ci", "--omit=dev", "--no-audit", "--no-fund", "--prefix", str(staging)],
        f"npm could not install {what} (no access to the npm registry?); "
        f"fix the network or proxy (~/.npmrc) and run '{retry}' again",
        prepare=lambda staging: _copy_manifests(source, staging))
    return installed / "node_modules"


def _copy_manifests(source: Path, staging: Path) -> None:
    for name in _MANIFESTS:
        shutil.copy2(source / name, staging / name)
