"""An Image function runs in a worker from its Dockerfile's sources: the handler's and a copied package."""

from __future__ import annotations

import pytest

from planetmail_local.emulator.runtime.pool import FunctionPool

pytestmark = pytest.mark.integration


def test_the_image_function_imports_what_its_dockerfile_copies(http_app, tmp_path):
    spec = http_app.functions["ImageFunction"]
    assert spec.layer_dirs == ()
    pool = FunctionPool(spec, tmp_path)
    try:
        answer = pool.invoke({"n": 1}).result()
    finally:
        pool.close()

    assert answer["event"] == {"n": 1}
    assert (answer["function_name"], answer["memory_limit_in_mb"], answer["layer"]) == (
        "ImageFunction",
        256,
        "fixture-layer",
    )
