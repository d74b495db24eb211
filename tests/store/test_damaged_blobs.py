"""Nothing damaged is trusted: a blob whose bytes no longer hash to its name is set aside under
``damaged/`` when a build, export or render would use it, and the job that made it reruns in
that same build."""

from __future__ import annotations

import json
import os
from pathlib import Path

import xxhash
from click.testing import CliRunner, Result

from moviebuild.cli.main import _register, cli
from moviebuild.project.movie import Movie
from moviebuild.store import open_store
from tests.conftest import MovieFactory


def invoke(*args: str) -> Result:
    _register()
    return CliRunner().invoke(cli, list(args))


def damage(path: Path, *, truncate: bool = False) -> None:
    """Flip bytes in place (same size, so a size check cannot tell), or cut the file short."""
    data = bytearray(path.read_bytes())
    os.chmod(path, 0o644)
    if truncate:
        del data[len(data) // 2 :]
    else:
        data[0] ^= 0xFF
        data[-1] ^= 0xFF
    path.write_bytes(bytes(data))


def image_blob(folder: Path, image: str = "SegmentImage[2][1]") -> Path:
    store = open_store(folder / ".moviebuild", create=False)
    head = store.read_head()
    assert head is not None
    for entry in store.read_manifest(head)["jobs"].values():
        digest = (entry.get("outputs") or {}).get(image)
        if digest:
            local = store.blobs.local_blob_path(digest)
            assert local is not None
            return local
    raise AssertionError(f"no {image} in the current revision")


def build(folder: Path) -> dict[str, object]:
    result = invoke("-C", str(folder), "--json")
    assert result.exit_code == 0, result.output
    summary: dict[str, object] = json.loads(result.output)
    return summary


def test_a_byte_flipped_blob_is_set_aside_and_its_job_reruns_in_the_same_build(
    movie_folder: MovieFactory,
) -> None:
    folder = movie_folder(duration=30, images_per_segment=1)
    build(folder)
    blob = image_blob(folder)
    damage(blob)

    summary = build(folder)
    assert summary["ran"] == {"TextToImageProducer": 1}
    assert xxhash.xxh3_128_hexdigest(blob.read_bytes()) == blob.name.split(".")[0]
    assert [p.name.split(".")[0] for p in (folder / ".moviebuild" / "damaged").iterdir()] == [
        blob.name.split(".")[0]
    ]
    assert build(folder)["ran"] == {}


def test_a_truncated_blob_is_not_called_current_by_status(movie_folder: MovieFactory) -> None:
    folder = movie_folder(duration=30, images_per_segment=1)
    build(folder)
    damage(image_blob(folder), truncate=True)

    status = invoke("-C", str(folder), "status")
    assert "TextToImageProducer[2][1]: output-missing" in status.output, status.output


def test_export_and_render_never_read_a_damaged_blob(movie_folder: MovieFactory) -> None:
    folder = movie_folder(duration=30, images_per_segment=1)
    build(folder)
    store = Movie.open(folder).open_store()
    blob = image_blob(folder)
    damage(blob)
    digest = blob.name.split(".")[0]

    result = invoke("-C", str(folder), "render")
    assert result.exit_code == 3, result.output
    assert f"blob {digest} is damaged or gone" in result.output
    assert not store.blobs.has_blob(digest)
    assert build(folder)["ran"] == {"TextToImageProducer": 1}
