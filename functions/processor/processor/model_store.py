"""Where the processor finds its model: the local models folder, or on AWS an S3 copy of it.

On AWS nothing is trained and the deployment package holds no model: the folder ``planetmail train``
builds (``LATEST``, ``<version>/model.skops``, ``<version>/model.json``) is synced to
``s3://<ModelBucket>/<ModelPrefix>``. A worker downloads the version it needs once (its cold start,
or a version change in the live configuration) into the temporary folder and loads it with
``artifact.load``, which refuses any type outside its trusted list: the bucket cannot run code here.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from planetmail import aws
from planetmail.files import write_whole
from planetmail.settings import Settings
from processor import artifact

DOWNLOAD_DIR = Path(tempfile.gettempdir()) / "planetmail-models"


def locate(settings: Settings, version: str = "", download_dir: Path = DOWNLOAD_DIR) -> Path:
    """The artifact file for ``version`` (empty: the latest), downloaded first when it lives in S3."""
    if not settings.model_bucket:
        return artifact.resolve(settings, version)
    store = S3ModelStore(settings, download_dir)
    return store.download(version or store.latest_version())


class S3ModelStore:
    def __init__(self, settings: Settings, download_dir: Path) -> None:
        self._bucket = settings.model_bucket or ""
        self._prefix = settings.model_prefix
        self._download_dir = download_dir
        self._s3: Any = aws.client("s3", settings)

    def latest_version(self) -> str:
        return self._read(artifact.LATEST_NAME).decode("utf-8").strip()

    def download(self, version: str) -> Path:
        """The local copy of ``version``'s artifact; its card is fetched first, the artifact last."""
        target = self._download_dir / version / artifact.ARTIFACT_NAME
        if not target.is_file():
            card = target.with_suffix(".json")
            for path in (card, target):
                self._fetch(f"{version}/{path.name}", path)
        return target

    def _fetch(self, name: str, path: Path) -> None:
        write_whole(path, self._read(name))

    def _read(self, name: str) -> bytes:
        key = f"{self._prefix}{name}"
        try:
            body: bytes = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            raise artifact.ModelNotFoundError(
                f"no model object s3://{self._bucket}/{key} ({code}); upload the models folder with "
                f"'aws s3 sync .planetmail/models s3://{self._bucket}/{self._prefix}'"
            ) from None
        return body
