"""A revision written by a newer moviebuild is not damage: ``fsck`` and ``fsck --repair`` refuse
with "written by moviebuild X.Y; upgrade" and change nothing (HEAD keeps naming it), and every
revision records which moviebuild wrote it."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

from click.testing import CliRunner

from moviebuild.cli.main import _register, cli
from tests.conftest import MovieFactory
from tests.store.test_damaged_blobs import build


def files(store: Path) -> dict[str, bytes]:
    return {p.relative_to(store).as_posix(): p.read_bytes() for p in sorted(store.rglob("*"))
            if p.is_file() and "cache" not in p.parts}


def test_fsck_repair_refuses_a_revision_from_a_newer_moviebuild(
    movie_folder: MovieFactory,
) -> None:
    folder = movie_folder(duration=30, images_per_segment=1)
    build(folder)
    store = folder / ".moviebuild"
    first = json.loads((store / "revisions" / "1.json").read_text())
    assert first["written_by"] == f"moviebuild {metadata.version('moviebuild')}"
    newer = {**first, "format_version": 2, "written_by": "moviebuild 9.4.1"}
    (store / "revisions" / "2.json").write_text(json.dumps(newer))
    (store / "HEAD").write_text("2\n")
    before = files(store)

    _register()
    for args in (("fsck",), ("fsck", "--repair")):
        result = CliRunner().invoke(cli, ["-C", str(folder), *args])
        assert result.exit_code == 3, result.output
        assert "written by moviebuild 9.4.1" in result.output and "upgrade" in result.output
        assert "damaged" not in result.output
        assert files(store) == before, f"{args} changed nothing"
    assert (store / "HEAD").read_text() == "2\n"
