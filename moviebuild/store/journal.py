"""Per-revision append-only journals (``journal/<rev>.jsonl``), one JSON object per line, durable
before ``append`` returns. It owns the line format and crash tolerance (a last line cut short is
dropped); what each record means belongs to the engine.

Object stores cannot append, so there each record is its own small object
(``journal/<rev>/<seq>.json``, one PUT with ``If-None-Match: *``), and closing the writer folds
them into ``<rev>.jsonl`` (one PUT, one bulk DELETE). A reader takes the folded lines, then any
record objects numbered after them: what a build killed before closing leaves behind.

A provider call run by another process (a worker) journals into its build's revision beside the
build's own writer: its records take the next free numbers (a number already written is never
overwritten), it does not fold (``fold=False``), and the build's fold at close takes every
record listed, its own and the others'.
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
from moviebuild.store.files import create_object, is_local_fs, join
from moviebuild.store.manifest import check_revision, list_numbered
from moviebuild.store.transport import is_object_store, transport_errors

_JOURNAL_NAME = re.compile(r"([1-9][0-9]*)\.jsonl")
_RECORD_NAME = re.compile(r"([1-9][0-9]*)/([0-9]{8})\.json")
_RECORD_LEAF = re.compile(r"[0-9]{8}\.json")


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
    by ``fsync``. On object stores each record is one small object, folded into the journal
    file on ``close``. Other fsspec file systems rewrite the whole file per record.
    """

    def __init__(
        self, fs: Any, path: str, *, known_new: bool = False, fold: bool = True
    ) -> None:
        self._fs = fs
        self._path = path
        self._known_new = known_new
        self._fold = fold
        self._fd: int | None = None
        self._content = b""
        self._closed = False
        self._objects = is_object_store(fs)
        self._next_seq = 1
        self._record_paths: list[str] = []
        #: On object stores: the lines read at open (and how many), and this writer's records.
        self._opened = b""
        self._opened_count = 0
        self._mine: dict[str, bytes] = {}
        with transport_errors(f"could not open journal {path}"):
            if is_local_fs(fs):
                self._open_local()
            elif self._objects:
                self._open_objects()
            else:
                self._open_rewriting()

    @property
    def path(self) -> str:
        """The journal's fsspec path."""
        return self._path

    def append(self, record: Mapping[str, Any]) -> None:
        """Write ``record`` as one line; it is durable when this returns."""
        if self._closed:
            raise StoreError(f"journal {self._path} is closed")
        line = encode_record(record)
        with transport_errors(f"could not append to journal {self._path}"):
            if self._fd is not None:
                view = memoryview(line)
                while view:
                    view = view[os.write(self._fd, view) :]
                os.fsync(self._fd)
            elif self._objects:
                self._append_object(line)
            else:
                self._fs.pipe_file(self._path, self._content + line)
                self._content += line

    def close(self) -> None:
        """Stop appending (folding record objects into the journal file); twice does nothing."""
        if self._closed:
            return
        self._closed = True
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)
        if self._objects and self._record_paths and self._fold:
            with transport_errors(f"could not fold the records of journal {self._path}"):
                content, paths = self._all_records()
                self._fs.pipe_file(self._path, content)
                with contextlib.suppress(FileNotFoundError):
                    self._fs.rm(paths)
        self._record_paths = []

    def _all_records(self) -> tuple[bytes, list[str]]:
        """The journal's lines for the fold, and every record object to delete after it: the
        lines read at open, then each record numbered after them, this writer's from memory
        and those of calls on other processes read (one listing; GETs only for theirs)."""
        folder = self._path.removesuffix(".jsonl")
        names: list[str] = []
        with contextlib.suppress(FileNotFoundError):
            names = [str(n) for n in self._fs.find(folder, detail=False)]
        numbered = sorted(
            (int(leaf.removesuffix(".json")), name)
            for name in names
            for head, _, leaf in [name.rpartition("/")]
            if head == folder and _RECORD_LEAF.fullmatch(leaf)
        )
        content = self._opened
        for seq, name in numbered:
            if seq <= self._opened_count:
                continue
            line = self._mine.get(name)
            if line is None:
                with contextlib.suppress(FileNotFoundError):
                    line = self._fs.cat_file(name)
            if line is not None and _decode_line(line.rstrip(b"\n")) is not None:
                content += line.rstrip(b"\n") + b"\n"
        return content, [name for _seq, name in numbered] + [
            p for p in self._record_paths if p not in names
        ]

    def _append_object(self, line: bytes) -> None:
        """``line`` as the next free record object: a number another process wrote (a call
        journaling beside its build) is skipped, never overwritten."""
        while True:
            path = record_path(self._path, self._next_seq)
            self._next_seq += 1
            try:
                create_object(self._fs, path, line)
            except FileExistsError:
                if self._fs.cat_file(path) == line:
                    break  # our own PUT, retried after its answer was lost
                continue
            break
        self._record_paths.append(path)
        self._mine[path] = line
        self._content += line

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

    def _open_objects(self) -> None:
        if self._known_new:
            return  # a listing taken under the lock shows no such journal: nothing to read
        try:
            records, paths = read_object_journal(self._fs, self._path, listing=None)
        except FileNotFoundError:
            records, paths = [], []
        self._content = b"".join(encode_record(r) for r in records)
        self._opened, self._opened_count = self._content, len(records)
        self._record_paths = paths
        self._next_seq = len(records) + 1

    def _open_rewriting(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._content = self._fs.cat_file(self._path)
        _records, intact = parse_journal(self._content, self._path)
        if intact < len(self._content):
            self._content = self._content[:intact]
            self._fs.pipe_file(self._path, self._content)


def record_path(journal_path: str, seq: int) -> str:
    """Where record number ``seq`` (from 1) of a journal lives on an object store."""
    return f"{journal_path.removesuffix('.jsonl')}/{seq:08d}.json"


def read_object_journal(
    fs: Any, path: str, *, listing: list[str] | None
) -> tuple[list[dict[str, Any]], list[str]]:
    """An object-store journal's records (folded lines, then the record objects after them)
    and the paths of its record objects. ``listing``: the folder's names, when already listed.
    Raises FileNotFoundError when the journal has neither."""
    folder = path.removesuffix(".jsonl")
    folded = b""
    found_file = True
    try:
        folded = fs.cat_file(path)
    except FileNotFoundError:
        found_file = False
    records, _intact = parse_journal(folded, path)
    if listing is None:
        listing = []
        with contextlib.suppress(FileNotFoundError):
            listing = list(fs.find(folder, detail=False))
    numbered: list[tuple[int, str]] = []
    for name in listing:
        head, _, leaf = str(name).rpartition("/")
        if head == folder and leaf.endswith(".json"):
            stem = leaf.removesuffix(".json")
            if stem.isdigit() and len(stem) == 8:
                numbered.append((int(stem), str(name)))
    if not found_file and not numbered:
        raise FileNotFoundError(path)
    numbered.sort()
    for seq, name in numbered:
        if seq <= len(records):
            continue  # folded already; a close that died before deleting it left it here
        try:
            line = fs.cat_file(name)
        except FileNotFoundError:
            if not found_file:
                # Folded and deleted while we listed: the journal file has them all now.
                return read_object_journal(fs, path, listing=[])
            raise
        record = _decode_line(line.rstrip(b"\n"))
        if record is None:
            raise StoreFormatError(
                f"{name}: journal record {seq} is not a JSON object",
                hint="the journal is damaged; move it out of the store to forget that build's "
                "unfinished work (written revisions are not affected)",
            )
        records.append(record)
    return records, [name for _seq, name in numbered]


class Journal:
    """The ``journal/`` folder of one store root: one ``<rev>.jsonl`` per build."""

    def __init__(self, fs: Any, root: str) -> None:
        self._fs = fs
        self._folder = join(root, "journal")
        self._objects = is_object_store(fs)
        self._listing: dict[int, list[str]] | None = None
        # Set by fold_journals (under the lock): the next list_journals may use its listing.
        self._listing_fresh = False

    def journal_path(self, rev: int) -> str:
        """The fsspec path of revision ``rev``'s journal."""
        return join(self._folder, f"{check_revision(rev)}.jsonl")

    def open_journal(self, rev: int, *, fold: bool = True) -> JournalWriter:
        """A writer appending to revision ``rev``'s journal (created when missing); ``fold``
        False: one that does not hold the lock (a call beside its build), which never folds."""
        path = self.journal_path(rev)
        known_new = self._objects and self._listing is not None and rev not in self._listing
        self._listing, self._listing_fresh = None, False
        return JournalWriter(self._fs, path, known_new=known_new, fold=fold)

    def read_journal(self, rev: int) -> list[dict[str, Any]]:
        """Every record of revision ``rev``'s journal, in order, without a crash's cut-off line."""
        path = self.journal_path(rev)
        with transport_errors(f"could not read journal {path}"):
            try:
                if self._objects:
                    listing = self._listing.get(rev, []) if self._listing is not None else None
                    return read_object_journal(self._fs, path, listing=listing)[0]
                data: bytes = self._fs.cat_file(path)
            except FileNotFoundError as exc:
                raise StoreError(f"revision {rev} has no journal ({path})") from exc
        return parse_journal(data, path)[0]

    def fold_journals(self) -> int:
        """Fold the record objects a killed build left on an object store into their journal
        files (the caller holds the lock); returns how many journals were folded."""
        if not self._objects:
            return 0
        self.list_journals()
        listing = dict(self._listing or {})
        unfolded = [rev for rev, records in listing.items() if records]
        for rev in unfolded:
            self.open_journal(rev).close()
            listing[rev] = []
        # Only the lock holder writes journals, so what it just listed and folded is current.
        self._listing, self._listing_fresh = listing, True
        return len(unfolded)

    def list_journals(self) -> list[int]:
        """The revision numbers that have a journal, ascending."""
        if not self._objects:
            return list_numbered(self._fs, self._folder, _JOURNAL_NAME)
        if self._listing_fresh and self._listing is not None:
            self._listing_fresh = False
            return sorted(self._listing)
        # One listing for every journal and record object; read_journal reuses it.
        names: list[str] = []
        action = f"could not list {self._folder}"
        with transport_errors(action), contextlib.suppress(FileNotFoundError):
            names = list(self._fs.find(self._folder, detail=False))
        listing: dict[int, list[str]] = {}
        prefix = self._folder.rstrip("/") + "/"
        for name in names:
            relative = str(name).removeprefix(prefix)
            whole = _JOURNAL_NAME.fullmatch(relative)
            record = _RECORD_NAME.fullmatch(relative)
            if whole:
                listing.setdefault(int(whole[1]), [])
            elif record:
                listing.setdefault(int(record[1]), []).append(str(name))
        self._listing = listing
        return sorted(listing)
