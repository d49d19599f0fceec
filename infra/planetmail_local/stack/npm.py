"""Install the AWS endpoint's npm packages (dynalite) in the cache folder, once per lock file."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

from planetmail_local.cli.errors import UserError
from planetmail_local.stack.config import REPO_ROOT, StackConfig

AWS_ENDPOINT_DIR = REPO_ROOT / "infra" / "aws_endpoint"
FRONT_SCRIPT = AWS_ENDPOINT_DIR / "front.js"
_MANIFESTS = ("package.json", "package-lock.json")
_STAMP = ".lock-sha256"


def install_aws_endpoint_packages(config: StackConfig) -> Path:
    """infra/aws_endpoint's ``node_modules`` in the cache; ``npm ci`` runs only when the lock file changed."""
    target = config.aws_packages
    if _installed(target):
        return target / "node_modules"
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise UserError("node or npm not found on PATH; install Node.js 20+ with npm (node -v) and retry")
    log = config.log_file("aws-packages")
    log.parent.mkdir(parents=True, exist_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="aws-endpoint-", dir=target.parent))
    for name in _MANIFESTS:
        shutil.copy2(AWS_ENDPOINT_DIR / name, staging / name)
    argv = [npm, "ci", "--omit=dev", "--no-audit", "--no-fund", "--prefix", str(staging)]
    with log.open("ab") as out:
        result = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0 or not (staging / "node_modules" / "dynalite").is_dir():
        shutil.rmtree(staging, ignore_errors=True)
        raise UserError(
            "npm could not install the AWS endpoint's packages (no access to the npm registry?); "
            f"fix the network or proxy (~/.npmrc) and run 'planetmail up' again; log: {log}"
        )
    (staging / _STAMP).write_text(_lock_digest())
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target / "node_modules"


def _lock_digest() -> str:
    return hashlib.sha256((AWS_ENDPOINT_DIR / "package-lock.json").read_bytes()).hexdigest()


def _installed(target: Path) -> bool:
    stamp = target / _STAMP
    return stamp.is_file() and stamp.read_text() == _lock_digest() and (target / "node_modules").is_dir()
