import json

import pytest
from click.testing import CliRunner

from planetmail.settings import ENV_MODEL_PATH, ENV_STATE_DIR
from planetmail_local.cli.main import cli


@pytest.fixture
def runner(tiny_model, tmp_path):
    return CliRunner(env={ENV_MODEL_PATH: str(tiny_model.path), ENV_STATE_DIR: str(tmp_path)})


def test_classify_reads_json_lines_and_writes_json_lines(runner):
    lines = [
        {"id": "a", "subject": "Cancel", "body": "Please cancel my subscription from next month"},
        {"subject": "", "body": ""},
        {
            "subject": "Hola",
            "body": "<p>Quiero cancelar mi suscripción desde el mes que viene</p>",
            "html": True,
        },
    ]
    result = runner.invoke(cli, ["classify", "-"], input="\n".join(json.dumps(line) for line in lines) + "\n")
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert answers[0] == {
        "id": "a",
        **{k: answers[0][k] for k in ("category", "confidence", "language", "priority")},
    }
    assert answers[0]["category"] == "subscriptions"
    assert answers[1]["category"] == "human_review"
    assert answers[2]["language"] == "es"


def test_classify_names_a_bad_line_in_one_line(runner):
    result = runner.invoke(cli, ["classify", "-"], input='{"subject": "ok"}\nnot json\n')
    assert result.exit_code == 2
    assert "line 2 is not JSON" in result.stderr
    assert "Traceback" not in result.output


def test_classify_threshold_sends_everything_to_review(runner):
    result = runner.invoke(
        cli, ["classify", "-", "--threshold", "1"], input='{"subject": "Win", "body": "money"}\n'
    )
    assert json.loads(result.stdout)["category"] == "human_review"


def test_without_a_model_the_error_says_how_to_train(tmp_path):
    result = CliRunner(env={ENV_STATE_DIR: str(tmp_path), ENV_MODEL_PATH: ""}).invoke(
        cli, ["classify", "-"], input="{}\n"
    )
    assert result.exit_code == 2
    assert "run 'planetmail train'" in result.stderr


def test_train_if_missing_keeps_the_installed_model(runner, tiny_model):
    result = runner.invoke(cli, ["train", "--if-missing"])
    assert result.exit_code == 0
    assert "already installed" in result.stderr


def test_train_and_evaluate_on_a_corpus_folder(tiny_corpus, tmp_path):
    runner = CliRunner(env={ENV_STATE_DIR: str(tmp_path), ENV_MODEL_PATH: ""})
    trained = runner.invoke(cli, ["train", "--corpus", str(tiny_corpus), "--no-spamassassin", "--folds", "0"])
    assert trained.exit_code == 0, trained.output
    assert (tmp_path / "models" / "LATEST").is_file()
    png = tmp_path / "confusion.png"
    evaluated = runner.invoke(
        cli, ["evaluate", "--corpus", str(tiny_corpus), "--no-spamassassin", "--png", str(png)]
    )
    assert evaluated.exit_code == 0, evaluated.output
    assert "macro-F1" in evaluated.stdout
    assert png.read_bytes().startswith(b"\x89PNG")


def test_train_on_a_missing_corpus_is_a_one_line_error(tmp_path):
    runner = CliRunner(env={ENV_STATE_DIR: str(tmp_path)})
    result = runner.invoke(cli, ["train", "--corpus", str(tmp_path / "nowhere"), "--no-spamassassin"])
    assert result.exit_code == 2
    assert result.stderr.startswith("planetmail: error: cannot train: no *.jsonl corpus files")
