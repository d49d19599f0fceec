"""Install the AWS endpoint's npm packages (dynalite) in the cache folder, once per lock file."""

from __future__ import annotations

import shutil
from pathlib import Path

from planetmail_local.stack.config import REPO_ROOT, StackConfig
from planetmail_local.stack.errors import StackError
from planetmail_local.stack.staged import StagedInstall

AWS_ENDPOINT_DIR = REPO_ROOT / "infra" / "aws_endpoint"
FRONT_SCRIPT = AWS_ENDPOINT_DIR / "front.js"
_MANIFESTS = ("package.json", "package-lock.json")


def install_aws_endpoint_packages(config: StackConfig) -> Path:
    """infra/aws_endpoint's ``node_modules`` in the cache; ``npm ci`` runs only when the lock file changed."""
    install = StagedInstall(config.aws_packages, AWS_ENDPOINT_DIR / "package-lock.json",
                            config.log_file("aws-packages"),
                            complete=lambda folder: (folder / "node_modules" / "dynalite").is_dir())
    if install.installed():
        return install.target / "node_modules"
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise StackError("node or npm not found on PATH; install Node.js 20+ with npm (node -v) and retry")
    target = install.run(
        lambda staging: [npm, "ci", "--omit=dev", "--no-audit", "--no-fund", "--prefix", str(staging)],
        "npm could not install the AWS endpoint's packages (no access to the npm registry?); "
        "fix the network or proxy (~/.npmrc) and run 'planetmail up' again",
        prepare=_copy_manifests)
    return target / "node_modules"


def _copy_manifests(staging: Path) -> None:
    for name in _MANIFESTS:
        shutil.copy2(AWS_ENDPOINT_DIR / name, staging / name)
