"""A user clones the repository with nothing beside it: no tracked file may read a folder next to the
checkout or a hand-made path on a development machine. Data comes from the repository, the lock, or the
cache ``planetmail up`` fills (``Settings.cache_dir``)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).parents[2]
THIS_FILE = Path(__file__).relative_to(ROOT).as_posix()
SOURCES = ("*.py", "*.sh", "*.js", "Makefile", ".ci/*", "pyproject.toml", "README.md", "docs/*.md")
SIBLING = re.compile(r"\.\./shared|\.\.[/\\]\.\.[/\\]shared")
MACHINE_PATH = re.compile(r"[\"'](/tmp|/work|/home|/root|/opt|/srv|/mnt)/")
"""A path literal into a machine's own folders (``/var/task`` is Lambda's, and allowed)."""


def tracked_lines(*patterns: str) -> list[tuple[str, int, str]]:
    files = subprocess.run(["git", "ls-files", "--", *patterns], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    return [(name, number, line) for name in files if name != THIS_FILE and (ROOT / name).is_file()
            for number, line in enumerate((ROOT / name).read_text(encoding="utf-8").splitlines(), 1)]


def offending(pattern: re.Pattern[str], lines: list[tuple[str, int, str]]) -> list[str]:
    return [f"{name}:{number}: {line.strip()}" for name, number, line in lines if pattern.search(line)]


def test_nothing_reads_a_folder_beside_the_checkout() -> None:
    assert offending(SIBLING, tracked_lines(*SOURCES)) == []


def test_no_code_names_a_path_on_a_development_machine() -> None:
    assert offending(MACHINE_PATH, tracked_lines("*.py", "*.sh", "Makefile", ".ci/*")) == []


def test_the_patterns_find_what_they_guard_against() -> None:
    sibling_link = "see " + "../" + "shared/DESIGN.md"  # spelled apart: git grep finds no such path anywhere
    lines = [("a.py", 1, 'ZOOKEEPER_LIB = Path("/tmp/kprobe/lib")'), ("b.md", 2, sibling_link),
             ("c.py", 3, 'TASK_ROOT = PurePosixPath("/var/task")')]

    assert offending(MACHINE_PATH, lines) == ['a.py:1: ZOOKEEPER_LIB = Path("/tmp/kprobe/lib")']
    assert offending(SIBLING, lines) == [f"b.md:2: {sibling_link}"]
