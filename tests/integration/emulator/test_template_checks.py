"""The template checks CI runs (cfn-lint here; ``--sam`` adds sam validate --lint from its own venv)."""

from __future__ import annotations

from pathlib import Path

import pytest

from planetmail_local.emulator.validate import DEFAULT_TEMPLATES, main

pytestmark = pytest.mark.integration
ROOT = Path(__file__).parents[3]


def test_project_and_fixture_templates_pass_cfn_lint():
    assert main([str(ROOT / template) for template in DEFAULT_TEMPLATES]) == 0


def test_a_broken_template_fails(tmp_path):
    broken = tmp_path / "template.yaml"
    broken.write_text(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties: {Handler: !Ref Nowhere}\n"
    )
    assert main([str(broken)]) == 1
