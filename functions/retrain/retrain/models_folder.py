"""The models folder the processors load from, seen by the retrain function: it reads the training
material there and adds each candidate it builds, ``<version>/model.skops`` and its card.

On AWS that folder is ``s3://<ModelBucket>/<ModelPrefix>`` (``processor.model_store``); on a laptop it is
the local models folder. A candidate never becomes ``LATEST`` here: what the processors load is the
configuration's ``model_version``, which only a promotion sets.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import ClientError

from planetmail import aws
from planetmail.files import write_whole
from planetmail.settings import Settings
from processor import artifact


class MissingObjectError(LookupError):
    """What was asked for is not in the models folder; the message names where it looked."""


class ModelsFolder(Protocol):
    location: str

    def fetch(self, key: str, target: Path) -> Path:
        """Copy ``key`` (a path under the folder) to ``target``."""

    def put(self, source: Path, key: str) -> str:
        """Store ``source`` as ``key``; where it went (for messages)."""

    def publish(self, version_dir: Path) -> str:
        """Add a built ``<version>/`` (artifact and card) to the folder; where it went."""


def models_folder(settings: Settings) -> ModelsFolder:
    if settings.model_bucket:
        return BucketFolder(aws.client("s3", settings), settings.model_bucket, settings.model_prefix)
    return LocalFolder(artifact.models_dir(settings))


class LocalFolder:
    def __init__(self, root: Path) -> None:
        self._root = root
        self.location = str(root)

    def fetch(self, key: str, target: Path) -> Path:
        source = self._root / key
        if not source.is_file():
            raise MissingObjectError(f"{source} does not exist")
        write_whole(target, source.read_bytes())
        return target

    def put(self, source: Path, key: str) -> str:
        write_whole(self._root / key, source.read_bytes())
        return str(self._root / key)

    def publish(self, version_dir: Path) -> str:
        target = self._root / version_dir.name
        if target.resolve() != version_dir.resolve():
            shutil.copytree(version_dir, target, dirs_exist_ok=True)
        return str(target)


class BucketFolder:
    def __init__(self, s3: Any, bucket: str, prefix: str) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._prefix = prefix
        self.location = f"s3://{bucket}/{prefix}"

    def fetch(self, key: str, target: Path) -> Path:
        try:
            body: bytes = self._s3.get_object(Bucket=self._bucket, Key=self._prefix + key)["Body"].read()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            raise MissingObjectError(f"{self.location}{key} cannot be read ({code})") from None
        write_whole(target, body)
        return target

    def put(self, source: Path, key: str) -> str:
        self._s3.put_object(Bucket=self._bucket, Key=self._prefix + key, Body=source.read_bytes())
        return self.location + key

    def publish(self, version_dir: Path) -> str:
        """The card goes last: ``processor.model_store`` fetches the card first, so a reader that finds the
        card finds the artifact too."""
        for name in (artifact.ARTIFACT_NAME, Path(artifact.ARTIFACT_NAME).with_suffix(".json").name):
            self.put(version_dir / name, f"{version_dir.name}/{name}")
        return f"{self.location}{version_dir.name}/"
