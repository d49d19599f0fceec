"""The fuzz scale: everyday counts unless asked, a clear refusal of a scale that is not one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fuzzing import SCALE_VARIABLE, FuzzScaleError, examples, fuzz_scale

TESTS = Path(__file__).parents[1]


def test_the_everyday_count_unless_a_scale_is_set() -> None:
    assert examples(150, {}) == 150
    assert examples(150, {SCALE_VARIABLE: " "}) == 150
    assert examples(150, {SCALE_VARIABLE: "20"}) == 3000


@pytest.mark.parametrize("text", ["0", "-3", "2.5", "twenty", "1001", "²"])
def test_a_scale_that_is_not_a_whole_number_in_range_is_refused_naming_the_fix(text: str) -> None:
    with pytest.raises(FuzzScaleError, match=rf"{SCALE_VARIABLE} must be a whole number from 1 to 1000, "
                                             rf"not {text!r}; e\.g\. make fuzz FUZZ_SCALE=20"):
        fuzz_scale({SCALE_VARIABLE: text})


def test_pytest_stops_with_one_line_before_collecting_when_the_scale_is_wrong() -> None:
    run = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", str(Path(__file__))],
                         capture_output=True, text=True, env={"PATH": "", SCALE_VARIABLE: "lots"},
                         cwd=TESTS.parent, check=False)

    assert run.returncode == pytest.ExitCode.USAGE_ERROR
    assert f"{SCALE_VARIABLE} must be a whole number from 1 to 1000, not 'lots'" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout


def test_every_hypothesis_test_is_marked_property() -> None:
    run = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "property",
                          str(TESTS / "unit" / "responder" / "test_compose.py")],
                         capture_output=True, text=True, cwd=TESTS.parent, check=False)

    collected = {line.rpartition("::")[2] for line in run.stdout.splitlines() if "::" in line}
    assert collected == {"test_no_text_whatsoever_changes_the_header_set",
                         "test_header_lines_fold_within_78_characters"}, run.stdout + run.stderr
