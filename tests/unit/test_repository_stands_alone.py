"""A user clones the repository with nothing beside it: no tracked file may read a folder next to the
checkout or a hand-made path on a development machine, and the README's and docs/'s links lead to files
of the checkout. Data comes from the repository, the lock, or the cache ``planetmail up`` fills
(``Settings.cache_dir``)."""

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
DOCUMENTS = ("README.md", "docs/*.md")
LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
"""An inline markdown link ``[text](target "title")``; the text may span lines."""
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE = re.compile(FENCE.pattern + r"|`[^`\n]*`", re.MULTILINE | re.DOTALL)


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


def heading_anchors(markdown: str) -> set[str]:
    """The anchors a renderer such as GitHub's gives the headings: lower case, punctuation dropped,
    spaces as hyphens, a repeated one numbered."""
    anchors: set[str] = set()
    for line in FENCE.sub("", markdown).splitlines():
        if match := re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line):
            base = re.sub(r"[^\w\- ]", "", match.group(1).lower()).replace(" ", "-")
            anchor, number = base, 0
            while anchor in anchors:
                number += 1
                anchor = f"{base}-{number}"
            anchors.add(anchor)
    return anchors


def broken_links(documents: dict[str, str], root: Path) -> list[str]:
    """The relative links of the documents (path → text) whose file, or heading anchor, does not exist,
    resolved from the document's own folder as a renderer does."""
    broken = []
    for name, text in documents.items():
        for target in LINK.findall(CODE.sub("", text)):
            if re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
                continue  # https:, mailto: ...
            path, _, fragment = target.partition("#")
            file = (root / name).parent / path if path else root / name
            if not file.exists():
                broken.append(f"{name}: {target}")
            elif fragment and file.suffix == ".md" and fragment not in heading_anchors(
                    file.read_text(encoding="utf-8")):
                broken.append(f"{name}: {target} (no such heading)")
    return broken


def test_the_readme_and_docs_link_only_to_what_exists() -> None:
    files = subprocess.run(["git", "ls-files", "--", *DOCUMENTS], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()

    assert broken_links({name: (ROOT / name).read_text(encoding="utf-8") for name in files}, ROOT) == []


def test_a_link_written_from_the_wrong_folder_is_found(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("# Read me\n\n## Set-up: `make`\n", encoding="utf-8")
    (tmp_path / "docs" / "a.md").write_text("# A\n", encoding="utf-8")
    documents = {"README.md": "[a](docs/a.md) [b](docs/b.md) [x](https://example.org/x.md)",
                 "docs/a.md": "[readme](../README.md#set-up-make) [self](docs/a.md) [a](a.md#a)\n"
                              "[wrapped\nlink](../README.md#setup) `[code](nowhere.md)`"}

    assert broken_links(documents, tmp_path) == [
        "README.md: docs/b.md", "docs/a.md: docs/a.md", "docs/a.md: ../README.md#setup (no such heading)"]
