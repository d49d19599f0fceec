"""A folder in the cache filled by a package manager (Maven's Kafka jars, npm's dynalite), installed so
that an interrupted or failed install never leaves a half-filled folder behind.

The tool writes into a staging folder next to the target; only when it succeeded and the result looks
complete is the staging folder stamped with a digest of what it was built from (pom.xml, the npm lock
file) and renamed into place. A changed source file means a new install on the next ``planetmail up``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from planetmail_local.stack.errors import StackError

STAMP = ".installed-from"


@dataclasses.dataclass(frozen=True)
class StagedInstall:
    target: Path
    source: Path
    """The file the install is made from; its digest is the stamp."""
    log: Path
    complete: Callable[[Path], bool]
    """Whether a folder holds what the tool should have put there."""

    def installed(self) -> bool:
        stamp = self.target / STAMP
        return stamp.is_file() and stamp.read_text() == self._digest() and self.complete(self.target)

    def run(self, command: Callable[[Path], list[str]], failure: str,
            prepare: Callable[[Path], None] = lambda _: None) -> Path:
        """Install unless installed; ``failure`` (cause; fix) becomes the one-line error, with the log."""
        if self.installed():
            return self.target
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{self.target.name}-", dir=self.target.parent))
        prepare(staging)
        with self.log.open("ab") as out:
            result = subprocess.run(command(staging), stdout=out, stderr=subprocess.STDOUT, check=False)
        if result.returncode != 0 or not self.complete(staging):
            shutil.rmtree(staging, ignore_errors=True)
            raise StackError(f"{failure}; log: {self.log}")
        (staging / STAMP).write_text(self._digest())
        shutil.rmtree(self.target, ignore_errors=True)
        staging.rename(self.target)
        return self.target

    def _digest(self) -> str:
        return hashlib.sha256(self.source.read_bytes()).hexdigest()
