"""The committed bundle (moviebuild/studio/static/) is what its sources build: every source
file hashes as recorded in SOURCES.json, every served file hashes as recorded, and, where
studio/'s npm packages are installed (CI runs .ci/studio-setup), the API types are what
`npm run types` generates from schema/openapi.json, a fresh `npm run build` gives the same bytes,
`tsc --strict` accepts the sources and their own tests (`npm test`) pass."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from moviebuild.studio import STATIC_FILES, STATIC_FOLDER

REPO = Path(__file__).resolve().parents[2]
STUDIO = REPO / "studio"
REBUILD = "run `npm run build` in studio/ and commit moviebuild/studio/static/"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def recorded() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads((STATIC_FOLDER / "SOURCES.json").read_text())
    return data


def test_every_source_of_the_bundle_is_unchanged_since_it_was_built() -> None:
    changed = [
        source for source, digest in recorded()["sources"].items()
        if not (REPO / source).is_file() or sha256(REPO / source) != digest
    ]
    assert changed == [], f"changed since the studio was built: {changed}; {REBUILD}"


def test_every_studio_source_went_into_the_bundle() -> None:
    sources = set(recorded()["sources"])
    on_disk = {
        str(path.relative_to(REPO)) for path in (STUDIO / "src").rglob("*")
        if path.is_file() and path.suffix in {".ts", ".tsx"}
    }
    assert on_disk <= sources, f"not in the bundle: {sorted(on_disk - sources)}; {REBUILD}"


def test_the_served_files_are_the_ones_recorded() -> None:
    outputs = recorded()["outputs"]
    assert set(outputs) == set(STATIC_FILES)
    for name, digest in outputs.items():
        assert sha256(STATIC_FOLDER / name) == digest, f"{name} was changed by hand; {REBUILD}"


def npm_or_skip() -> str:
    """npm, with studio/'s packages installed; skips (fails in CI) when they are not."""
    npm = shutil.which("npm")
    if npm is None or not (STUDIO / "node_modules" / "esbuild").is_dir():
        reason = "studio/node_modules is not installed (.ci/studio-setup installs it)"
        if os.environ.get("MOVIEBUILD_REQUIRE_STUDIO") == "1":
            pytest.fail(f"{reason} (MOVIEBUILD_REQUIRE_STUDIO=1)")
        pytest.skip(reason)
    return npm


@pytest.mark.parametrize("script", ["types:check", "build:check", "typecheck", "test"])
def test_a_fresh_build_matches_and_the_sources_typecheck_and_pass_their_tests(script: str) -> None:
    done = subprocess.run(
        [npm_or_skip(), "run", "--silent", script], cwd=STUDIO, capture_output=True, text=True,
        timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr or done.stdout
