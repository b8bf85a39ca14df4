"""npm packages the browser tests load (LHC-Forms, axe-core): fetched once from the npm
registry into ~/.cache/assess-tests (or $ASSESS_TEST_CACHE) and checked against the published
sha512 integrity before any file of them is used. Nothing is loaded from a CDN."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import urllib.request
from pathlib import Path

import pytest


def npm_package(name: str, version: str, integrity: str, wanted: tuple[str, ...]) -> Path:
    """The folder holding the package's files under `wanted` (paths inside the tarball, which
    start with "package/"), kept as the tarball lays them out below "package/"."""
    cache = Path(os.environ.get("ASSESS_TEST_CACHE") or Path.home() / ".cache" / "assess-tests")
    folder = cache / f"{name}-{version}" / "package"
    done = folder.parent / "fetched"
    if done.is_file() and done.read_text() == integrity:
        return folder
    tarball = f"https://registry.npmjs.org/{name}/-/{name}-{version}.tgz"
    try:
        with urllib.request.urlopen(tarball, timeout=300) as response:
            data = response.read()
    except OSError as exc:
        pytest.fail(f"could not fetch {tarball}: {exc}")
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    assert digest == integrity, f"{tarball} is not the published package ({digest})"
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.startswith(wanted):
                target = folder / member.name.removeprefix("package/")
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                target.write_bytes(source.read())
    done.write_text(integrity)
    return folder
