"""Per-revision append-only journals (``journal/<rev>.jsonl``), one JSON object per line, on disk
before ``append`` returns. It owns the line format and crash tolerance (a last line cut short is
dropped); what each record means belongs to the engine.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from moviebuild.errors import StoreError, StoreFormatError
from moviebuild.store.blobs import is_local_fs, join, os_errors_as_store_errors
from moviebuild.store.manifest import check_revision, list_numbered

_JOURNAL_NAME = re.compile(r"([1-9][0-9]*)\.jsonl")


def encode_record(record: Mapping[str, Any]) -> bytes:
    """One record as a single UTF-8 line (JSON escapes every newline inside strings)."""
    try:
        line = json.dumps(dict(record), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise StoreError(f"journal record cannot be saved as JSON: {exc}") from exc
    return (line + "\n").encode()


def parse_journal(data: bytes, where: str) -> tuple[list[dict[str, Any]], int]:
    """The records in ``data`` and the length of the intact prefix that holds them.

    A record counts once its newline is written. Text after the last newline, or a damaged
    final line, is what a crash mid-append leaves: it is ignored. Damage before the end is not
    explained by a crash and is a ``StoreFormatError``.
    """
    *lines, _unfinished = data.split(b"\n")
    records: list[dict[str, Any]] = []
    intact = offset = 0
    for number, line in enumerate(lines, start=1):
        offset += len(line) + 1
        if not line.strip():
            intact = offset
            continue
        record = _decode_line(line)
        if record is None:
            if number == len(lines) and not _unfinished:
                break
            raise StoreFormatError(
                f"{where}: line {number} is not a JSON object, and it is not the last line",
                hint="the journal is damaged; move it out of the store to forget that build's "
                "unfinished work (written revisions are not affected)",
            )
        records.append(record)
        intact = offset
    return records, intact


def _decode_line(line: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


class JournalWriter:
    """Appends records to one journal. Opening it drops a crash's unfinished last line first.

    On the local file system each line is one ``os.write`` on an ``O_APPEND`` descriptor followed
    by ``fsync``. Object stores cannot append, so there every append rewrites the whole object
    (journals are small; correctness over speed), which each such store replaces atomically.
    """

    def __init__(self, fs: Any, path: str) -> None:
        self._fs = fs
        self._path = path
        self._fd: int | None = None
        self._content = b""
        self._closed = False
        with os_errors_as_store_errors(f"could not open journal {path}"):
            if is_local_fs(fs):
                self._open_local()
            else:
                self._open_rewriting()

    @property
    def path(self) -> str:
        """The journal's fsspec path."""
        return self._path

    def append(self, record: Mapping[str, Any]) -> None:
        """Write ``record`` as one line; it is on disk when this returns."""
        if self._closed:
            raise StoreError(f"journal {self._path} is closed")
        line = encode_record(record)
        with os_errors_as_store_errors(f"could not append to journal {self._path}"):
            if self._fd is not None:
                view = memoryview(line)
                while view:
                    view = view[os.write(self._fd, view) :]
                os.fsync(self._fd)
            else:
                self._fs.pipe_file(self._path, self._content + line)
                self._content += line

    def close(self) -> None:
        """Stop appending; closing twice does nothing."""
        self._closed = True
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def __enter__(self) -> JournalWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _open_local(self) -> None:
        os.makedirs(os.path.dirname(self._path), exist_ok=True)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            with open(self._path, "rb") as file:
                data = file.read()
            _records, intact = parse_journal(data, self._path)
            if intact < len(data):
                os.ftruncate(fd, intact)
                os.fsync(fd)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def _open_rewriting(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._content = self._fs.cat_file(self._path)
        _records, intact = parse_journal(self._content, self._path)
        if intact < len(self._content):
            self._content = self._content[:intact]
            self._fs.pipe_file(self._path, self._content)


class Journal:
    """The ``journal/`` folder of one store root: one ``<rev>.jsonl`` per build."""

    def __init__(self, fs: Any, root: str) -> None:
        self._fs = fs
        self._folder = join(root, "journal")

    def journal_path(self, rev: int) -> str:
        """The fsspec path of revision ``rev``'s journal."""
        return join(self._folder, f"{check_revision(rev)}.jsonl")

    def open_journal(self, rev: int) -> JournalWriter:
        """A writer appending to revision ``rev``'s journal (created when missing)."""
        return JournalWriter(self._fs, self.journal_path(rev))

    def read_journal(self, rev: int) -> list[dict[str, Any]]:
        """Every record of revision ``rev``'s journal, in order, without a crash's cut-off line."""
        path = self.journal_path(rev)
        with os_errors_as_store_errors(f"could not read journal {path}"):
            try:
                data: bytes = self._fs.cat_file(path)
            except FileNotFoundError as exc:
                raise StoreError(f"revision {rev} has no journal ({path})") from exc
        return parse_journal(data, path)[0]

    def list_journals(self) -> list[int]:
        """The revision numbers that have a journal, ascending."""
        return list_numbered(self._fs, self._folder, _JOURNAL_NAME)
