"""Content-addressed blobs under ``objects/``: written once, found through one listing of the
folder, verified against their name whenever their bytes are read, and set aside under
``damaged/`` when they are not what their name says. It does not know which blobs anything still
needs; gc's caller says that.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xxhash

from moviebuild.errors import StoreError
from moviebuild.store.cache import BlobCache, VerifiedFiles, hash_file
from moviebuild.store.files import is_local_fs, join, write_atomically
from moviebuild.store.transport import transport_errors

EMPTY_DIGEST = xxhash.xxh3_128_hexdigest(b"")
DAMAGED_DIR = "damaged"
_DIGEST = re.compile(r"[0-9a-f]{32}")
_EXT = re.compile(r"[a-z0-9]{1,16}")
_OBJECT_NAME = re.compile(r"([0-9a-f]{32})\.([a-z0-9]{1,16})")


@dataclass(frozen=True)
class _Object:
    ext: str
    size: int


class BlobStore:
    """Immutable blobs at ``objects/<first 2 hex>/<digest>.<ext>``, named by xxh3-128 of the bytes.

    Invariants: a visible object is complete (an atomic write); one digest has one object, whose
    extension is chosen by its first writer; a blob whose bytes do not hash to its name is moved
    to ``damaged/`` the moment that is seen, so the job that made it reruns. The index of what
    exists is one listing of ``objects/``, made on first use; a miss re-lists that one shard,
    so blobs written by another process are found too.

    ``cache_dir`` (remote stores only) keeps a local copy of each blob read or written.
    """

    def __init__(self, fs: Any, root: str, *, cache_dir: str | None = None) -> None:
        self._fs = fs
        self._root = root
        self._objects = join(root, "objects")
        self._local = is_local_fs(fs)
        self._index: dict[str, _Object] | None = None
        self._damaged: set[str] = set()
        memo = join(root, "cache", "verified.json") if self._local else None
        if cache_dir is not None and not self._local:
            memo = str(Path(cache_dir) / "verified.json")
        self._verified = VerifiedFiles(memo)
        self._cache = (
            BlobCache(cache_dir, self._verified) if cache_dir and not self._local else None
        )

    def put_blob(self, data: bytes, ext: str) -> str:
        """Store ``data``; returns its digest. Bytes already stored are not written again."""
        ext = _check_ext(ext)
        digest = xxhash.xxh3_128_hexdigest(data)
        found = self._listed().get(digest)
        if found is not None and found.size == len(data) and digest not in self._damaged:
            if self._cache is not None:
                self._cache.write(digest, found.ext, data)
            return digest
        if found is not None:
            ext = found.ext  # replace a damaged object under its own name
        path = self._path(digest, ext)
        with transport_errors(f"could not write blob {digest}"):
            write_atomically(self._fs, path, data, overwrite=True, mode=0o444)
        if self._local:
            self._verified.note_written(path)
        elif self._cache is not None:
            self._cache.write(digest, ext, data)
        self._listed()[digest] = _Object(ext, len(data))
        self._damaged.discard(digest)
        return digest

    def get_blob(self, digest: str) -> bytes:
        """The blob's bytes, verified against its digest; a damaged blob is set aside."""
        found = self._require(digest)
        if self._cache is not None:
            cached = self._cache.read(digest, found.ext)
            if cached is not None:
                return cached
        path = self._path(digest, found.ext)
        try:
            with transport_errors(f"could not read blob {digest}"):
                data: bytes = self._fs.cat_file(path)
        except StoreError as exc:
            if isinstance(exc.__cause__, FileNotFoundError):
                self._listed().pop(digest, None)
                raise _missing(digest, self._objects) from exc
            raise
        actual = xxhash.xxh3_128_hexdigest(data)
        if actual != digest:
            where = self._set_aside(digest, found)
            raise StoreError(
                f"blob {digest} is corrupt: its bytes hash to {actual}; moved it to {where}",
                hint="run moviebuild again: the job that made it reruns and the blob is rewritten",
            )
        if self._local:
            self._verified.note_written(path)
        elif self._cache is not None:
            self._cache.write(digest, found.ext, data)
        return data

    def verify_blob(self, digest: str) -> bool:
        """Whether the blob exists and is intact, as far as can be told without downloading.

        Local blobs are hashed (once per change of the file, remembered by ``stat``); a damaged
        one is set aside. A remote blob is trusted by its listing until its bytes are read.
        """
        found = self._find(digest)
        if found is None or digest in self._damaged:
            return False
        if not self._local:
            return found.size > 0 or digest == EMPTY_DIGEST
        with transport_errors(f"could not read blob {digest}"):
            intact = self._verified.is_intact(self._path(digest, found.ext), digest)
        if intact is None:
            self._listed().pop(digest, None)
            return False
        if not intact:
            self._set_aside(digest, found)
        return intact

    def has_blob(self, digest: str, size: int | None = None) -> bool:
        """Whether the blob exists and is not known to be damaged (cheap: no read, no hash)."""
        found = self._find(digest)
        if found is None or digest in self._damaged:
            return False
        if size is not None:
            return found.size == size
        return found.size > 0 or digest == EMPTY_DIGEST

    def blob_path(self, digest: str) -> str:
        """The blob's fsspec path (extension included)."""
        return self._path(digest, self._require(digest).ext)

    def local_blob_path(self, digest: str) -> Path | None:
        """The blob as a verified local file (a remote store's local copy), or None when the
        store is not on this machine and keeps no local copies."""
        found = self._require(digest)
        if self._local:
            path = self._path(digest, found.ext)
            if not self.verify_blob(digest):
                raise StoreError(
                    f"blob {digest} is damaged or gone: it was set aside under "
                    f"{join(self._root, DAMAGED_DIR)}",
                    hint="run moviebuild again: the job that made it reruns",
                )
            return Path(path)
        if self._cache is None:
            return None
        if not self._cache.has(digest, found.ext):
            self.get_blob(digest)
        path = self._cache.path(digest, found.ext)
        return Path(path) if Path(path).is_file() else None

    def holds_copy(self, path: Path, digest: str) -> bool:
        """Whether the local file at ``path`` already holds exactly the blob ``digest`` (hashed
        here, so a remote store need not send it again)."""
        try:
            return path.is_file() and hash_file(str(path)) == digest
        except OSError:
            return False

    def blob_size(self, digest: str) -> int:
        """The blob's size in bytes, as listed."""
        return self._require(digest).size

    def list_blobs(self) -> Iterator[str]:
        """Every stored digest, sorted; temp files and foreign names are skipped."""
        self._index = self._list_objects()
        yield from sorted(self._index)

    def delete_blob(self, digest: str) -> int:
        """Remove the blob and return the bytes freed; a blob that is not there frees 0."""
        found = self._find(digest)
        if found is None:
            return 0
        action = f"could not delete blob {digest}"
        with transport_errors(action), contextlib.suppress(FileNotFoundError):
            self._fs.rm_file(self._path(digest, found.ext))
        self._forget(digest, found)
        return found.size

    def hash_blob(self, digest: str) -> str:
        """The xxh3-128 of the stored bytes, read afresh (no local copy, nothing moved)."""
        found = self._require(digest)
        path = self._path(digest, found.ext)
        with transport_errors(f"could not read blob {digest}"):
            if self._local:
                return hash_file(path)
            data: bytes = self._fs.cat_file(path)
        return xxhash.xxh3_128_hexdigest(data)

    def set_aside(self, digest: str) -> str:
        """Move a stored blob to ``damaged/``; returns where it went."""
        return self._set_aside(digest, self._require(digest))

    def save(self) -> None:
        """Keep what was learned about intact local files for the next run."""
        self._verified.save()

    def _set_aside(self, digest: str, found: _Object) -> str:
        """Move a damaged object to ``damaged/`` (out of every lookup); returns where to."""
        source = self._path(digest, found.ext)
        target = join(self._root, DAMAGED_DIR, f"{digest}.{uuid.uuid4().hex[:8]}.{found.ext}")
        with transport_errors(f"could not move the damaged blob {digest} aside"):
            if self._local:
                os.makedirs(join(self._root, DAMAGED_DIR), exist_ok=True)
                with contextlib.suppress(FileNotFoundError):
                    os.rename(source, target)
            else:
                with contextlib.suppress(FileNotFoundError):
                    self._fs.mv(source, target)
        self._forget(digest, found)
        return target

    def _forget(self, digest: str, found: _Object) -> None:
        self._listed().pop(digest, None)
        self._damaged.discard(digest)
        self._verified.forget(self._path(digest, found.ext))
        if self._cache is not None:
            self._cache.remove(digest, found.ext)

    def _path(self, digest: str, ext: str) -> str:
        return join(self._objects, digest[:2], f"{digest}.{ext}")

    def _require(self, digest: str) -> _Object:
        found = self._find(digest)
        if found is None:
            raise _missing(digest, self._objects)
        return found

    def _find(self, digest: str) -> _Object | None:
        if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
            raise StoreError(f"{digest!r} is not a blob digest (32 lowercase hex digits)")
        index = self._listed()
        if digest in index:
            return index[digest]
        found = self._list_shard(digest[:2]).get(digest)
        if found is not None:
            index[digest] = found
        return found

    def _listed(self) -> dict[str, _Object]:
        if self._index is None:
            self._index = self._list_objects()
        return self._index

    def _list_objects(self) -> dict[str, _Object]:
        entries: dict[str, dict[str, Any]] = {}
        action = f"could not list {self._objects}"
        with transport_errors(action), contextlib.suppress(FileNotFoundError):
            entries = self._fs.find(self._objects, detail=True)
        return _index_objects(entries.values())

    def _list_shard(self, key: str) -> dict[str, _Object]:
        folder = join(self._objects, key)
        entries: list[dict[str, Any]] = []
        with (
            transport_errors(f"could not list {folder}"),
            contextlib.suppress(FileNotFoundError, NotADirectoryError),
        ):
            entries = self._fs.ls(folder, detail=True, refresh=True)
        return _index_objects(entries)


def _index_objects(entries: Iterable[dict[str, Any]]) -> dict[str, _Object]:
    """The object files among fsspec ``info`` entries, by digest; other names skipped."""
    index: dict[str, _Object] = {}
    for info in sorted(entries, key=lambda info: str(info["name"])):
        folder, _, name = str(info["name"]).rpartition("/")
        match = _OBJECT_NAME.fullmatch(name)
        if match and folder.endswith("/" + match[1][:2]) and info.get("type", "file") == "file":
            index.setdefault(match[1], _Object(match[2], int(info["size"])))
    return index


def _check_ext(ext: str) -> str:
    ext = ext.removeprefix(".")
    if not _EXT.fullmatch(ext):
        raise StoreError(f"blob extension {ext!r} must be 1 to 16 lowercase letters or digits")
    return ext


def _missing(digest: str, objects: str) -> StoreError:
    return StoreError(
        f"blob {digest} is not in {objects}",
        hint="run moviebuild again: the job that made it reruns",
    )
