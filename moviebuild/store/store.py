"""The ``Store`` facade: opens a store root from a local path or an fsspec URL, checks the layout
version in ``store.json``, and ties blobs, journals, manifests, HEAD and the lock to that root.
What the JSON it carries means is the engine's business.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from moviebuild.errors import StoreError, StoreFormatError
from moviebuild.store.blobs import BlobStore
from moviebuild.store.files import is_local_fs, join, write_atomically
from moviebuild.store.journal import Journal, JournalWriter
from moviebuild.store.lock import LockLease, MovieLock
from moviebuild.store.manifest import Revisions, check_format_version
from moviebuild.store.transport import open_filesystem, transport_errors

STORE_FORMAT_VERSION = 1
STORE_FILE = "store.json"
USAGE_FILE = "usage.jsonl"


def open_store(
    url_or_path: str | Path, *, create: bool = True, cache_dir: str | Path | None = None
) -> Store:
    """Open the store at a local path, a ``file://`` URL or any fsspec URL (``s3://b/prefix``).

    A missing store is created when ``create`` is true, else it is a StoreError; a store whose
    layout version this moviebuild does not read is a StoreFormatError. ``cache_dir`` is where a
    store that is not on this machine keeps local copies of the blobs it reads and writes.
    """
    fs, root = open_filesystem(url_or_path)
    store = Store(fs, root, cache_dir=str(cache_dir) if cache_dir is not None else None)
    store.check_format(create=create)
    return store


def open_existing_store(
    url_or_path: str | Path, *, cache_dir: str | Path | None = None
) -> Store | None:
    """The store at this location, or None when there is none yet (nothing is created)."""
    fs, root = open_filesystem(url_or_path)
    store = Store(fs, root, cache_dir=str(cache_dir) if cache_dir is not None else None)
    if not store.check_format(create=False, missing_ok=True):
        return None
    return store


class Store:
    """One movie's store: ``blobs``, per-revision journals and manifests, ``HEAD``, the lock and
    the history of its paid calls (``usage.jsonl``).

    Journal writers opened through ``append_journal`` are kept open until ``close``.
    ``write_guard``, when set, is called with ``"journal"``, ``"revision"`` or ``"head"`` before
    each such write and may refuse it by raising a StoreError (a build on workers that lost its
    lease). Blobs are not guarded: they are named by their content, so an extra one changes
    nothing. ``folds_journals`` False: this process journals beside the lock holder (a call
    on a worker) and leaves folding to it.
    """

    def __init__(self, fs: Any, root: str, *, cache_dir: str | None = None) -> None:
        self._fs = fs
        self._root = root
        self.blobs = BlobStore(fs, root, cache_dir=cache_dir)
        self._journal = Journal(fs, root)
        self._revisions = Revisions(fs, root)
        self._writers: dict[int, JournalWriter] = {}
        self.write_guard: Callable[[str], None] | None = None
        self.folds_journals = True

    @property
    def url(self) -> str:
        """Where the store is, as a URL (``file:///...``, ``s3://...``, ``memory://...``)."""
        return str(self._fs.unstrip_protocol(self._root))

    @property
    def root(self) -> str:
        """The store's root as an fsspec path (for the store package and its tests)."""
        return self._root

    @property
    def fs(self) -> Any:
        """The fsspec file system (for the store package and its tests; nobody else imports it)."""
        return self._fs

    @property
    def is_local(self) -> bool:
        """Whether paths in this store are local file system paths."""
        return is_local_fs(self._fs)

    def check_format(self, *, create: bool, missing_ok: bool = False) -> bool:
        """Check ``store.json`` (writing it for a new store when ``create``); False when it is
        missing and ``missing_ok``."""
        path = join(self._root, STORE_FILE)
        with transport_errors(f"could not open the store at {self.url}"):
            try:
                raw: bytes = self._fs.cat_file(path)
            except FileNotFoundError:
                if missing_ok and not create:
                    return False
                if not create:
                    raise StoreError(
                        f"there is no moviebuild store at {self.url}",
                        hint="check the store location, or run moviebuild to create one",
                    ) from None
                document = {"format_version": STORE_FORMAT_VERSION}
                try:
                    write_atomically(self._fs, path, json.dumps(document).encode(), overwrite=False)
                except FileExistsError:
                    pass  # another process created it a moment ago: check what it wrote
                else:
                    return True
                raw = self._fs.cat_file(path)
        try:
            document = json.loads(raw)
        except (UnicodeDecodeError, ValueError) as exc:
            raise StoreFormatError(
                f"{path} is not valid JSON ({exc})",
                hint=f'if this is a moviebuild store, write {{"format_version": 1}} into {path}',
            ) from exc
        check_format_version(document, STORE_FORMAT_VERSION, f"the store at {self.url}")
        return True

    # journals

    def open_journal(self, rev: int) -> JournalWriter:
        """A new writer appending to revision ``rev``'s journal; the caller closes it."""
        return self._journal.open_journal(rev)

    def append_journal(self, rev: int, record: Mapping[str, Any]) -> None:
        """Append one record to revision ``rev``'s journal, durably."""
        if self.write_guard is not None:
            self.write_guard("journal")
        writer = self._writers.get(rev)
        if writer is None:
            writer = self._writers[rev] = self._journal.open_journal(
                rev, fold=self.folds_journals
            )
        writer.append(record)

    def read_journal(self, rev: int) -> list[dict[str, Any]]:
        """Revision ``rev``'s journal records (a crash's cut-off last line left out)."""
        return self._journal.read_journal(rev)

    def fold_journals(self) -> int:
        """Fold journal records left as separate objects by killed builds (object stores);
        the caller holds the lock. Returns how many journals were folded."""
        return self._journal.fold_journals()

    def close_journals(self) -> None:
        """Close the journal writers opened by ``append_journal`` (on object stores this folds
        their records into one object each): done before the lock is released."""
        writers, self._writers = self._writers, {}
        for writer in writers.values():
            writer.close()

    def list_journals(self) -> list[int]:
        """Revisions that have a journal, ascending."""
        return self._journal.list_journals()

    # revisions and HEAD

    def write_manifest(self, rev: int, payload: Mapping[str, Any]) -> None:
        """Write revision ``rev``'s manifest once (StoreError if it exists)."""
        if self.write_guard is not None:
            self.write_guard("revision")
        self._revisions.write_manifest(rev, payload)

    def read_manifest(self, rev: int) -> dict[str, Any]:
        """Revision ``rev``'s payload as written."""
        return self._revisions.read_manifest(rev)

    def list_revisions(self) -> list[int]:
        """Written revisions, ascending."""
        return self._revisions.list_revisions()

    def read_head(self) -> int | None:
        """The current revision, or None before the first build finishes."""
        return self._revisions.read_head()

    def current_revisions(self) -> set[int]:
        """The current revision of the base movie and of every variant."""
        return self._revisions.current_revisions()

    def select_head(self, variant: str | None) -> None:
        """Whose current revision ``read_head``/``write_head`` mean: a variant's, or (None) the
        base movie's."""
        self._revisions.select_head(variant)

    def write_head(self, rev: int) -> None:
        """Make the written revision ``rev`` current."""
        if self.write_guard is not None:
            self.write_guard("head")
        self._revisions.write_head(rev)

    def next_revision(self) -> int:
        """One more than any revision number in use (manifests, journals, HEAD); 1 at first."""
        head = self.read_head()
        used = [*self.list_revisions(), *self.list_journals(), *([head] if head else [])]
        return max(used, default=0) + 1

    # the movie's call history (what it means: ``project.usage_history``)

    def read_usage_history(self) -> bytes:
        """The call history's bytes; empty before the first paid call."""
        with transport_errors(f"could not read the call history of {self.url}"):
            try:
                return bytes(self._fs.cat_file(join(self._root, USAGE_FILE)))
            except FileNotFoundError:
                return b""

    def write_usage_history(self, data: bytes) -> None:
        """Replace the call history, whole or not at all (one build writes it, under the
        movie's lock)."""
        if self.write_guard is not None:
            self.write_guard("call history")
        with transport_errors(f"could not write the call history of {self.url}"):
            write_atomically(self._fs, join(self._root, USAGE_FILE), data, overwrite=True)

    def lock(self, lease: LockLease | None = None) -> MovieLock:
        """A new, not yet acquired, lock for this movie (use ``with store.lock():``), taken
        under ``lease`` when the build holds one (see ``MovieLock``)."""
        return MovieLock(self._fs, join(self._root, "lock"), lease)

    def close(self) -> None:
        """Close the journal writers opened by ``append_journal``; keep what was verified."""
        try:
            self.close_journals()
        finally:
            self.blobs.save()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"
