import json
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner

from planetmail.settings import ENV_CACHE_DIR, ENV_MODEL_PATH, ENV_STATE_DIR
from planetmail_local.cli.main import cli
from processor.signals import GTUBE

PROVIDERS = Path(__file__).parents[2] / "fixtures" / "providers"


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
        **{k: answers[0][k] for k in ("category", "confidence", "language", "priority", "detected_language")},
    }
    assert answers[0]["category"] == "subscriptions"
    assert answers[1]["category"] == "human_review"
    assert answers[2]["language"] == "es"


def test_classify_names_a_bad_line_in_one_line(runner):
    result = runner.invoke(cli, ["classify", "-"], input='{"subject": "ok"}\nnot json\n')
    assert result.exit_code == 2
    assert "stdin line 2 is not JSON" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
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
    trained = runner.invoke(cli, ["train", "--corpus", str(tiny_corpus), "--no-spamassassin", "--folds", "0",
                                  "--newspaper-test", str(tiny_corpus)])
    assert trained.exit_code == 0, trained.output
    assert (tmp_path / "models" / "LATEST").is_file()
    png = tmp_path / "confusion.png"
    evaluated = runner.invoke(
        cli, ["evaluate", "--corpus", str(tiny_corpus), "--no-spamassassin", "--png", str(png),
              "--newspaper-test", str(tiny_corpus)]
    )
    assert evaluated.exit_code == 0, evaluated.output
    assert "corpus held-out split (phrase generator) macro-F1" in evaluated.stdout
    assert "test newspaper set macro-F1 en" in evaluated.stdout
    assert png.read_bytes().startswith(b"\x89PNG")


def test_train_on_a_missing_corpus_is_a_one_line_error(tmp_path):
    runner = CliRunner(env={ENV_STATE_DIR: str(tmp_path)})
    result = runner.invoke(cli, ["train", "--corpus", str(tmp_path / "nowhere"), "--no-spamassassin"])
    assert result.exit_code == 2
    assert result.stderr.startswith("planetmail: error: cannot train: no *.jsonl corpus files")


def test_train_without_the_spamassassin_corpus_fails_in_one_line_naming_the_fix(tiny_corpus, tmp_path):
    env = {ENV_STATE_DIR: str(tmp_path), ENV_MODEL_PATH: "", ENV_CACHE_DIR: str(tmp_path / "cache")}
    runner = CliRunner(env=env)
    result = runner.invoke(cli, ["train", "--corpus", str(tiny_corpus), "--folds", "0"])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "cannot train: the SpamAssassin corpus has no spam-2, easy-ham-2" in result.stderr
    assert "run 'planetmail up'" in result.stderr
    assert not (tmp_path / "models").exists()


def test_classify_reads_a_raw_message_with_its_headers(runner):
    result = runner.invoke(cli, ["classify", "--explain", str(PROVIDERS / "ses" / "s3_email.txt")])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["file"].endswith("s3_email.txt")
    assert answer["signals"]["provider_spam"] == "pass"
    assert answer["signals"]["received_count"] == 1
    assert answer["top_features"]


def _eml(subject, body, **headers):
    message = EmailMessage()
    message["From"] = "someone@example.org"
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def test_classify_reads_a_folder_of_messages_and_json_lines(runner, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.eml").write_bytes(_eml("Cancel", "Please cancel my subscription from next month"))
    (folder / "b.jsonl").write_text('{"id": "j1", "subject": "Hola", "body": "Quiero cancelar"}\n')
    result = runner.invoke(cli, ["classify", str(folder)])
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a.get("file", a.get("id")) for a in answers] == [str(folder / "a.eml"), "j1"]


def test_gtube_from_stdin_is_spam_by_rule(runner):
    raw = _eml("Hello", f"Just checking in.\n{GTUBE}\n")
    result = runner.invoke(cli, ["classify", "-", "--explain"], input=raw)
    answer = json.loads(result.stdout)
    assert (answer["category"], answer["confidence"], answer["priority"]) == ("spam", 1.0, "normal")
    assert answer["reasons"] == ["GTUBE test string"]


def test_a_list_message_is_other_mail(runner):
    raw = _eml("Weekly digest", "Please cancel my subscription from next month",
               List_Id="<news.lists.example.org>", Precedence="list")
    answer = json.loads(runner.invoke(cli, ["classify", "-", "--explain"], input=raw).stdout)
    if answer["confidence"] and answer["category"] != "subscriptions":
        assert answer["category"] == "other"
        assert "bulk-mail headers (list-id, precedence:list)" in answer["reasons"][0]
    assert answer["signals"]["bulk"] == ["list-id", "precedence:list"]


def test_a_missing_file_is_a_one_line_error(runner, tmp_path):
    result = runner.invoke(cli, ["classify", str(tmp_path / "nope.eml")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
