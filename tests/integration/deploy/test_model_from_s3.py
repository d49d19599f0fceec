"""The processor's model on AWS: the models folder synced to S3, downloaded once, loaded safely."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from deploy_aws import throwaway_bucket

from planetmail.settings import Settings
from processor import artifact, model_store

pytestmark = pytest.mark.integration


def _sync(models: Path, s3: object, bucket: str, prefix: str) -> None:
    """What 'aws s3 sync .planetmail/models s3://BUCKET/PREFIX' does for the latest build."""
    version = (models / artifact.LATEST_NAME).read_text(encoding="utf-8").strip()
    for path in [models / artifact.LATEST_NAME, *sorted((models / version).iterdir())]:
        s3.upload_file(str(path), bucket, prefix + path.relative_to(models).as_posix())  # type: ignore[attr-defined]


@pytest.mark.slow
def test_processor_loads_the_latest_model_from_s3_once(stack_settings: Settings, tmp_path: Path) -> None:
    local = artifact.resolve(stack_settings)
    with throwaway_bucket(stack_settings) as (s3, bucket):
        _sync(artifact.models_dir(stack_settings), s3, bucket, "planetmail/models/")
        settings = dataclasses.replace(stack_settings, model_bucket=bucket, model_prefix="planetmail/models/",
                                       state_dir=tmp_path / "no-local-models")

        path = model_store.locate(settings, download_dir=tmp_path / "downloads")
        s3.delete_object(Bucket=bucket, Key=f"planetmail/models/{local.parent.name}/model.skops")
        again = model_store.locate(settings, local.parent.name, download_dir=tmp_path / "downloads")

    assert path == again == tmp_path / "downloads" / local.parent.name / "model.skops"
    assert path.read_bytes() == local.read_bytes()
    loaded = artifact.load(path)
    assert loaded.card == artifact.read_card(local)


def test_a_missing_model_names_the_s3_object_and_the_upload(stack_settings: Settings, tmp_path: Path) -> None:
    with throwaway_bucket(stack_settings) as (_, bucket):
        settings = dataclasses.replace(stack_settings, model_bucket=bucket)
        with pytest.raises(artifact.ModelNotFoundError) as raised:
            model_store.locate(settings, download_dir=tmp_path)

    assert f"s3://{bucket}/models/LATEST" in str(raised.value)
    assert f"aws s3 sync .planetmail/models s3://{bucket}/models/" in str(raised.value)
