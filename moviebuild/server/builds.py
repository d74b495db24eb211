"""The server's record of each build of a movie (``records/<movie>/builds/<id>.json``, written
atomically at every change of status), so a build's answer outlives the process and a build that
was running when the server died is found and resumed on the next start.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pydantic import ValidationError

from moviebuild.project.folder_files import write_text_atomically
from moviebuild.project.reports import BuildReport
from moviebuild.server.models import BuildDocument, BuildRequest

_BUILD_ID = re.compile(r"b[0-9]{1,9}")
UNFINISHED = ("queued", "running", "interrupted")


def now_text() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class BuildBook:
    """The build records of one movie."""

    def __init__(self, records_folder: Path, movie_id: str) -> None:
        self.folder = records_folder / "builds"
        self.movie_id = movie_id

    def _path(self, build_id: str) -> Path | None:
        return self.folder / f"{build_id}.json" if _BUILD_ID.fullmatch(build_id) else None

    def new(self, changes: BuildRequest) -> BuildDocument:
        numbers = [int(p.stem[1:]) for p in self._files()]
        build = BuildDocument(
            id=f"b{max(numbers, default=0) + 1}",
            movie=self.movie_id,
            status="queued",
            created=now_text(),
            changes=changes,
        )
        self.save(build)
        return build

    def _files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return [p for p in self.folder.glob("b*.json") if _BUILD_ID.fullmatch(p.stem)]

    def save(self, build: BuildDocument) -> None:
        path = self._path(build.id)
        assert path is not None
        write_text_atomically(path, build.model_dump_json(indent=2, by_alias=True))

    def get(self, build_id: str) -> BuildDocument | None:
        path = self._path(build_id)
        if path is None or not path.is_file():
            return None
        try:
            return BuildDocument.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValidationError):
            return None

    def unfinished(self) -> list[BuildDocument]:
        found = [self.get(p.stem) for p in self._files()]
        builds = [b for b in found if b is not None and b.status in UNFINISHED]
        return sorted(builds, key=lambda b: int(b.id[1:]))


def failed_document(build: BuildDocument, error: str) -> BuildDocument:
    """``build`` ended without a result (the build could not start, or stopped on ``error``)."""
    return build.model_copy(update={"status": "failed", "error": error, "finished": now_text()})


def finished_document(build: BuildDocument, report: BuildReport) -> BuildDocument:
    """``build`` with what the build's ``report`` says."""
    return build.model_copy(
        update={
            "status": report.outcome,
            "finished": now_text(),
            "revision": report.revision,
            "report": report,
        }
    )
