"""Cold vs warm ``planetmail up`` wall times on a throwaway instance (free ports, temporary folders).

    python -m planetmail_local.stack.benchmark [--cold-maven-repo]

cold: empty cache folder, so Maven copies the Kafka jars (with ``--cold-maven-repo`` Maven's local
repository is empty too, so every jar is downloaded from Maven Central); warm: the same cache, services
stopped, ``up`` again. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from planetmail_local.stack import control
from planetmail_local.stack.config import StackConfig


def _timed_up(config: StackConfig) -> float:
    started = time.perf_counter()
    control.up(config)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cold-maven-repo", action="store_true", help="Also start from an empty ~/.m2.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="planetmail-bench-") as scratch:
        root = Path(scratch)
        if args.cold_maven_repo:
            os.environ["MAVEN_OPTS"] = f"{os.environ.get('MAVEN_OPTS', '')} -Dmaven.repo.local={root / 'm2'}"
        config = StackConfig.on_free_ports(root / "state", root / "cache")
        try:
            cold = _timed_up(config)
            control.down(config)
            warm = _timed_up(config)
        finally:
            control.down(config)
    print(f"cold up (empty cache{', empty Maven repo' if args.cold_maven_repo else ''}): {cold:6.1f} s")
    print(f"warm up (cache filled, services stopped): {warm:6.1f} s")


if __name__ == "__main__":
    main()
