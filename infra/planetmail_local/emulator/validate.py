"""Template checks CI runs: ``python -m planetmail_local.emulator.validate [--sam] [TEMPLATE ...]``.

cfn-lint runs from this environment. ``--sam`` also runs ``sam validate --lint`` from a separate
virtual environment (aws-sam-cli is large and pins its own dependencies), synced from its own lock
(``tools/sam/uv.lock``) with ``uv sync --locked``: the same aws-sam-cli everywhere, nothing resolved.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from planetmail_local.toolchain import uv_command

DEFAULT_TEMPLATES = [Path("template.yaml"), Path("tests/fixtures/sam_app/template.yaml")]
SAM_VENV = Path(os.environ.get("PLANETMAIL_SAM_VENV", ".planetmail/samvenv"))
SAM_PROJECT = Path(__file__).resolve().parents[3] / "tools" / "sam"


def cfn_lint(templates: list[Path]) -> int:
    cfn_lint_script = Path(sys.executable).parent / "cfn-lint"
    return subprocess.run([str(cfn_lint_script), *map(str, templates)], check=False).returncode


def sam_validate(templates: list[Path], sam_venv: Path = SAM_VENV) -> int:
    sam = sam_venv / "bin" / "sam"
    print(f"syncing {sam_venv} with the locked aws-sam-cli ({SAM_PROJECT / 'uv.lock'})", file=sys.stderr)
    sync_environment = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(sam_venv.resolve())}
    subprocess.run([*uv_command(), "sync", "-q", "--locked", "--project", str(SAM_PROJECT),
                    "--python", sys.executable], check=True, env=sync_environment)
    environment = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    failures = 0
    for template in templates:
        failures += (
            subprocess.run(
                [str(sam), "validate", "--lint", "-t", str(template)], check=False, env=environment
            ).returncode
            != 0
        )
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("templates", nargs="*", type=Path, default=DEFAULT_TEMPLATES)
    parser.add_argument("--sam", action="store_true", help="also run sam validate --lint (separate venv)")
    args = parser.parse_args(argv)
    status = cfn_lint(args.templates)
    if args.sam:
        status += sam_validate(args.templates)
    return 1 if status else 0


if __name__ == "__main__":
    sys.exit(main())
