"""RetrainFunction against the real stack: the training material from the models folder (local, or an
S3 bucket on the AWS endpoint), the staff's corrections from mail.feedback, the configuration in
ZooKeeper, the announcement on mail.events. A correction teaches the promoted model its label."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from click.testing import CliRunner
from deploy_aws import throwaway_bucket

from planetmail import aws, codec, topics
from planetmail.config.stores import opened_store, set_values
from planetmail.feedback import FeedbackRecord
from planetmail.kafka import make_producer
from planetmail.lifecycle import LifecycleEvent
from planetmail.settings import Settings
from planetmail_local.emulator.service import Emulator, EmulatorOptions
from planetmail_local.emulator.template import load_application
from planetmail_local.stack.topics import topic_values
from processor import artifact
from processor.mail import plain
from retrain.handler import RetrainError, handler
from retrain.material import MATERIAL_KEY
from retrain.models_folder import models_folder
from retrain.run import RETRAINER
from retrain.training import Sources, train

pytestmark = pytest.mark.integration
ROOT = Path(__file__).parents[3]

CORRECTED = ("Pothole photo from Elm Street",
             "Your reporters should see the crater swallowing cars outside number 12 Elm Street.")
NEAR_DUPLICATE = plain("Pothole photos from Elm Street",
                       "Your reporters should see the crater swallowing cars outside 14 Elm Street.")


@pytest.fixture
def settings(isolated_settings: Settings, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A private state folder (models) and ZooKeeper root; the environment says the same, so the
    handler's and the CLI's ``Settings.load()`` find them."""
    settings = dataclasses.replace(isolated_settings, zk_root=f"/planetmail-test-{uuid.uuid4().hex[:8]}",
                                   state_dir=tmp_path / "state")
    for name, value in (("PLANETMAIL_STATE_DIR", str(settings.state_dir)),
                        ("PLANETMAIL_ZK_ROOT", settings.zk_root),
                        ("PLANETMAIL_TOPIC_PREFIX", settings.topic_prefix),
                        ("PLANETMAIL_KAFKA_BOOTSTRAP", settings.kafka_bootstrap),
                        ("PLANETMAIL_ZOOKEEPER", settings.zookeeper),
                        ("AWS_ENDPOINT_URL", settings.aws_endpoint_url or "")):
        monkeypatch.setenv(name, value)
    yield settings


def _correct(settings: Settings, label: str = "news_tips") -> None:
    record = FeedbackRecord(id="m-1", decision="relabel", old_label="complaints", new_label=label,
                            by="staff@dailyplanet.example", at=datetime.now(UTC), subject=CORRECTED[0],
                            text=CORRECTED[1])
    producer = make_producer(settings)
    producer.send(settings.topic(topics.FEEDBACK), key=b"m-1", value=codec.encode(record)).get(timeout=10)
    producer.close()


def _upload_material(tiny_corpus: Path) -> None:
    result = CliRunner().invoke(_cli(), ["model", "upload-training", "--corpus", str(tiny_corpus),
                                         "--no-spamassassin", "--newspaper-test", str(tiny_corpus)])
    assert result.exit_code == 0, result.output


def _cli() -> object:
    from planetmail_local.cli.main import cli

    return cli


def _model_version(settings: Settings) -> str | None:
    with opened_store(settings) as store:
        stored = store.read()
    return json.loads(stored.raw).get("model_version") if stored.raw else None


def _invoke_in_the_emulator(settings: Settings, log_dir: Path) -> dict[str, Any]:
    """RetrainFunction as the template declares it: an image function run from the sources its Dockerfile
    copies, in a worker process of its own, invoked through the Lambda Invoke API."""
    app = load_application(ROOT / "template.yaml", {"TopicPrefix": settings.topic_prefix},
                           kafka_bootstrap=settings.kafka_bootstrap)
    emulator = Emulator(app, EmulatorOptions(log_dir=log_dir, api_port=0, lambda_port=0))
    emulator.start(kafka=False, schedules=False)
    try:
        client = boto3.client("lambda", endpoint_url=emulator.lambda_url, region_name="us-east-1",
                              aws_access_key_id="local", aws_secret_access_key="local",
                              config=Config(retries={"max_attempts": 0}, read_timeout=600))
        response = client.invoke(FunctionName="RetrainFunction", Payload=b"{}")
    finally:
        emulator.stop()
    answer: dict[str, Any] = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, answer
    return answer


def test_a_correction_is_learnt_and_the_candidate_promoted(
        settings: Settings, tiny_corpus: Path, tmp_path: Path) -> None:
    models = artifact.models_dir(settings)
    live = train(Sources(corpus=tiny_corpus), models, folds=0)
    assert live.model.predict([NEAR_DUPLICATE])[0] != "news_tips", "the test could not fail"
    _upload_material(tiny_corpus)
    _correct(settings)

    result = _invoke_in_the_emulator(settings, tmp_path / "logs")

    candidate = result["candidate"]
    assert result["promoted"] and result["live"] == live.card.version, result
    assert result["candidate_figures"]["feedback_accuracy"] == 1.0
    assert result["live_figures"]["feedback_accuracy"] == 0.0
    assert _model_version(settings) == candidate
    promoted = artifact.load(artifact.resolve(settings, candidate))
    assert promoted.model.predict([NEAR_DUPLICATE])[0] == "news_tips"
    assert promoted.card.training["feedback"]["examples"] == 1
    assert (models / artifact.LATEST_NAME).read_text().strip() == live.card.version  # never made LATEST
    events = [codec.decode_as(LifecycleEvent, value) for value in topic_values(settings, topics.EVENTS)]
    announced = [e for e in events if e.state == "config_changed"]
    assert len(announced) == 1 and announced[0].detail["by"] == RETRAINER
    assert announced[0].detail["changes"] == {"model_version": candidate}


def test_a_worse_candidate_is_kept_but_not_promoted(settings: Settings, tiny_corpus: Path) -> None:
    """The material's praise and complaints are swapped (bad training data), so its candidate is worse on
    the newspaper test set than the live model: it stays in the models folder, the configuration keeps
    the live model."""
    models = artifact.models_dir(settings)
    _correct(settings)
    decided = train(Sources(corpus=tiny_corpus), models, folds=0)
    with opened_store(settings) as store:
        set_values(store, {"model_version": decided.card.version})
    mislabelled = settings.state_dir / "mislabelled"
    mislabelled.mkdir()
    swapped = {'"category": "praise"': '"category": "complaints"',
               '"category": "complaints"': '"category": "praise"'}
    lines = (tiny_corpus / "tiny_corpus.jsonl").read_text().splitlines()
    (mislabelled / "mislabelled.jsonl").write_text("\n".join(_swap(line, swapped) for line in lines) + "\n")
    result = CliRunner().invoke(_cli(), ["model", "upload-training", "--corpus", str(mislabelled),
                                         "--no-spamassassin", "--newspaper-test", str(tiny_corpus)])
    assert result.exit_code == 0, result.output

    answer = handler({}, None)

    assert not answer["promoted"] and "newspaper test macro-F1" in answer["refused"], answer
    assert _model_version(settings) == decided.card.version
    assert artifact.resolve(settings, answer["candidate"]).is_file()  # kept for a forced promotion


def _swap(line: str, swapped: dict[str, str]) -> str:
    for old, new in swapped.items():
        if old in line:
            return line.replace(old, new)
    return line


def test_on_aws_backends_candidates_go_to_the_bucket_and_model_version_to_ssm(
        settings: Settings, tiny_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The deployed shape: models folder in S3, configuration in the SSM parameter (both on the local AWS
    endpoint). The first run has nothing live and is promoted unopposed; after a new correction the
    second run is scored against the first, downloaded from the bucket, and replaces it."""
    parameter = f"/planetmail-test-{uuid.uuid4().hex[:8]}/config"
    monkeypatch.setenv("PLANETMAIL_CONFIG_SOURCE", "ssm")
    monkeypatch.setenv("PLANETMAIL_CONFIG_PARAMETER", parameter)
    ssm = aws.client("ssm", settings)
    with throwaway_bucket(settings) as (s3, bucket):
        monkeypatch.setenv("PLANETMAIL_MODEL_BUCKET", bucket)
        _upload_material(tiny_corpus)
        assert s3.head_object(Bucket=bucket, Key=f"models/{MATERIAL_KEY}")["ContentLength"] > 0
        try:
            first = handler({}, None)
            _correct(settings)
            second = handler({}, None)
            stored = ssm.get_parameter(Name=parameter)["Parameter"]
        finally:
            ssm.delete_parameter(Name=parameter)
        keys = {item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"]}

    assert first["promoted"] and first["live"] is None, first
    assert second["promoted"] and second["live"] == first["candidate"], second
    assert second["candidate_figures"]["feedback_accuracy"] == 1.0
    assert (json.loads(stored["Value"])["model_version"], stored["Version"]) == (second["candidate"], 2)
    for candidate in (first["candidate"], second["candidate"]):
        assert {f"models/{candidate}/model.skops", f"models/{candidate}/model.json"} <= keys
    assert "models/LATEST" not in keys


def test_no_material_stops_the_run_with_the_fix(settings: Settings) -> None:
    with pytest.raises(RetrainError, match="upload it with 'planetmail model upload-training'"):
        handler({}, None)
    assert _model_version(settings) is None
    assert models_folder(settings).location == str(artifact.models_dir(settings))
