"""``moviebuild fsck`` finds each kind of damage the store can suffer, changes nothing without
``--repair``, and after ``--repair`` the next build succeeds."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from click.testing import CliRunner, Result

from moviebuild.cli.main import _register, cli
from tests.conftest import MovieFactory
from tests.store.test_damaged_blobs import build, damage, image_blob


def invoke(*args: str) -> Result:
    _register()
    return CliRunner().invoke(cli, list(args))


def fsck(folder: Path, *args: str) -> tuple[int, dict[str, object]]:
    result = invoke("-C", str(folder), "fsck", "--json", *args)
    return result.exit_code, json.loads(result.output.split("\nerror:")[0])


def kinds(report: dict[str, object]) -> list[str]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return sorted(finding["kind"] for finding in findings)


def test_a_healthy_store_has_nothing_to_report(movie_folder: MovieFactory) -> None:
    folder = movie_folder(duration=30, images_per_segment=1)
    build(folder)
    code, report = fsck(folder)
    assert code == 0
    assert report["findings"] == [] and report["objects"] and report["revisions"] == 1


def test_fsck_finds_every_kind_of_damage_and_repair_makes_the_next_build_succeed(
    movie_folder: MovieFactory, dead_pid: int
) -> None:
    folder = movie_folder(duration=30, images_per_segment=1)
    build(folder)
    (folder / "Moviefile.yaml").write_text(
        (folder / "Moviefile.yaml").read_text() + "image_style: sketch\n", encoding="utf-8"
    )
    build(folder)
    store = folder / ".moviebuild"
    damage(image_blob(folder))
    (store / "revisions" / "2.json").write_text('{"format_version": 1, "jobs": []}')
    (store / "HEAD").write_text("two\n")
    with (store / "journal" / "1.jsonl").open("ab") as journal:
        journal.write(b"not json\n{}\n")
    (store / "objects" / ".tmp-0123").write_bytes(b"half")
    started = "2026-01-01T00:00:00+00:00"
    lock = {"pid": dead_pid, "host": socket.gethostname(), "started": started}
    (store / "lock").write_text(json.dumps(lock))
    before = sorted(p.relative_to(store).as_posix() for p in store.rglob("*") if p.is_file())

    code, report = fsck(folder)
    assert code == 3
    assert kinds(report) == sorted(
        ["damaged-blob", "damaged-revision", "bad-head", "damaged-journal", "temp-file",
         "stale-lock"]
    )
    after = sorted(p.relative_to(store).as_posix() for p in store.rglob("*") if p.is_file())
    assert [p for p in after if not p.startswith("cache/")] == [
        p for p in before if not p.startswith("cache/")
    ], "fsck without --repair changes nothing"

    code, report = fsck(folder, "--repair")
    assert code == 0, report
    findings = report["findings"]
    assert isinstance(findings, list)
    assert all(f["repaired"] for f in findings if f["kind"] != "missing-blob")
    code, report = fsck(folder)
    assert code == 0 and [k for k in kinds(report) if k != "missing-blob"] == []

    summary = build(folder)
    assert summary["ran"], "the set-aside work is made again"
    code, report = fsck(folder)
    assert code == 0, report
    damaged = list((store / "damaged").rglob("*"))
    assert damaged, "nothing is deleted: damaged files are kept aside"


def test_fsck_of_an_unbuilt_movie_says_so_and_creates_nothing(movie_folder: MovieFactory) -> None:
    folder = movie_folder()
    result = invoke("-C", str(folder), "fsck")
    assert result.exit_code == 3 and "has not been built yet" in result.output
    assert not (folder / ".moviebuild").exists()
