"""Content-addressed blobs under ``objects/``, plus the store's byte-level helpers (paths, atomic
writes, OS-error translation). It does not know which blobs anything still needs; gc's caller
says that.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xxhash

from moviebuild.errors import StoreError

TEMP_PREFIX = ".tmp-"
EMPTY_DIGEST = xxhash.xxh3_128_hexdigest(b"")
_DIGEST = re.compile(r"[0-9a-f]{32}")
_EXT = re.compile(r"[a-z0-9]{1,16}")
_OBJECT_NAME = re.compile(r"([0-9a-f]{32})\.([a-z0-9]{1,16})")
_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS}


def join(root: str, *parts: str) -> str:
    """An fsspec path under ``root`` (always ``/``-separated, whatever the backend)."""
    return "/".join([root.rstrip("/"), *parts])


def is_local_fs(fs: Any) -> bool:
    """True when fsspec paths on ``fs`` are real local paths that ``os`` functions accept."""
    from moviebuild.store.localfs import LocalFS

    if isinstance(fs, LocalFS):
        return True
    return "fsspec" in type(fs).__module__ and "local" in getattr(fs, "protocol", ())


@contextlib.contextmanager
def os_errors_as_store_errors(action: str) -> Iterator[None]:
    """Translate an ``OSError`` (what fsspec backends raise) into a ``StoreError``."""
    try:
        yield
    except OSError as exc:
        raise store_error_from(action, exc) from exc


def store_error_from(action: str, exc: OSError) -> StoreError:
    """A ``StoreError`` saying what could not be done and the OS's reason; chain with ``from``."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return StoreError(f"{action}: {reason}", hint="check the store's location and permissions")


def write_atomically(
    fs: Any, path: str, data: bytes, *, overwrite: bool, mode: int = 0o644
) -> None:
    """Write ``data`` at ``path`` so that readers see all of it or nothing.

    Locally: a temp file in the same folder, fsynced, then ``os.replace`` (overwrite) or
    ``os.link`` (raises ``FileExistsError`` instead of overwriting). Elsewhere: a temp object then
    ``fs.mv``, or ``pipe_file(mode="create")`` when overwriting is refused, which object stores
    perform atomically and which fsspec emulates with an exists check on others.
    """
    if is_local_fs(fs):
        _write_local(path, data, overwrite=overwrite, mode=mode)
    elif not overwrite:
        fs.pipe_file(path, data, mode="create")
    else:
        temp = join(path.rsplit("/", 1)[0], TEMP_PREFIX + uuid.uuid4().hex)
        fs.pipe_file(temp, data)
        try:
            fs.mv(temp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                fs.rm_file(temp)
            raise


def _write_local(path: str, data: bytes, *, overwrite: bool, mode: int) -> None:
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    temp = os.path.join(directory, TEMP_PREFIX + uuid.uuid4().hex)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if overwrite:
            os.replace(temp, path)
        else:
            _link_without_overwrite(temp, path)
        _fsync_directory(directory)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def _link_without_overwrite(temp: str, path: str) -> None:
    try:
        os.link(temp, path)
    except FileExistsError:
        raise
    except OSError as exc:
        # Some file systems (FAT, a few FUSE mounts) have no hard links: fall back to a check
        # then a rename, which can race but only with another writer of the same name.
        if exc.errno not in _NO_HARD_LINKS:
            raise
        if os.path.lexists(path):
            raise FileExistsError(errno.EEXIST, "File exists", path) from exc
        os.replace(temp, path)


def _fsync_directory(directory: str) -> None:
    # Makes the rename itself durable; not every platform can open a directory, so best effort.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@dataclass(frozen=True)
class _Object:
    ext: str
    size: int


class BlobStore:
    """Immutable blobs at ``objects/<first 2 hex>/<digest>.<ext>``, named by xxh3-128 of the bytes.

    Invariants: a visible object is complete (temp name, then rename); one digest has one object,
    whose extension is chosen by its first writer; damage after the fact is caught by
    ``get_blob``. The in-memory index is filled one shard folder at a time on first use, and a
    miss re-lists the shard, so blobs written by another process are found too.
    """

    def __init__(self, fs: Any, root: str) -> None:
        self._fs = fs
        self._objects = join(root, "objects")
        self._shards: dict[str, dict[str, _Object]] = {}
        self._damaged: set[str] = set()

    def put_blob(self, data: bytes, ext: str) -> str:
        """Store ``data``; returns its digest. Bytes already stored are not written again."""
        ext = _check_ext(ext)
        digest = xxhash.xxh3_128_hexdigest(data)
        found = self._find(digest)
        if found is not None and found.size == len(data) and digest not in self._damaged:
            return digest
        if found is not None:
            ext = found.ext  # replace a damaged object under its own name
        with os_errors_as_store_errors(f"could not write blob {digest}"):
            write_atomically(self._fs, self._path(digest, ext), data, overwrite=True, mode=0o444)
        self._shards.setdefault(digest[:2], {})[digest] = _Object(ext, len(data))
        self._damaged.discard(digest)
        return digest

    def get_blob(self, digest: str) -> bytes:
        """The blob's bytes, verified against its digest."""
        found = self._require(digest)
        try:
            data: bytes = self._fs.cat_file(self._path(digest, found.ext))
        except FileNotFoundError as exc:
            self._shards.get(digest[:2], {}).pop(digest, None)
            raise _missing(digest, self._objects) from exc
        except OSError as exc:
            raise store_error_from(f"could not read blob {digest}", exc) from exc
        actual = xxhash.xxh3_128_hexdigest(data)
        if actual != digest:
            self._damaged.add(digest)
            raise StoreError(
                f"blob {digest} is corrupt: its bytes hash to {actual}",
                hint="run moviebuild again: the job that made it reruns and the blob is rewritten",
            )
        return data

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
        """The blob as a local file, or None when the store is not on the local file system."""
        path = self.blob_path(digest)
        return Path(path) if is_local_fs(self._fs) else None

    def blob_size(self, digest: str) -> int:
        """The blob's size in bytes, as listed."""
        return self._require(digest).size

    def list_blobs(self) -> Iterator[str]:
        """Every stored digest, sorted; temp files and foreign names are skipped."""
        with os_errors_as_store_errors(f"could not list {self._objects}"):
            entries: dict[str, dict[str, Any]] = self._fs.find(self._objects, detail=True)
        self._shards = _index_objects(entries.values())
        for key in sorted(self._shards):
            yield from sorted(self._shards[key])

    def delete_blob(self, digest: str) -> int:
        """Remove the blob and return the bytes freed; a blob that is not there frees 0."""
        found = self._find(digest)
        if found is None:
            return 0
        action = f"could not delete blob {digest}"
        with os_errors_as_store_errors(action), contextlib.suppress(FileNotFoundError):
            self._fs.rm_file(self._path(digest, found.ext))
        self._shards.get(digest[:2], {}).pop(digest, None)
        self._damaged.discard(digest)
        return found.size

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
        shard = self._shards.get(digest[:2])
        if shard is not None and digest in shard:
            return shard[digest]
        return self._load_shard(digest[:2]).get(digest)

    def _load_shard(self, key: str) -> dict[str, _Object]:
        folder = join(self._objects, key)
        entries: list[dict[str, Any]] = []
        action = f"could not list {folder}"
        with os_errors_as_store_errors(action), contextlib.suppress(FileNotFoundError):
            entries = self._fs.ls(folder, detail=True, refresh=True)
        shard = self._shards[key] = _index_objects(entries).get(key, {})
        return shard


def _index_objects(entries: Iterable[dict[str, Any]]) -> dict[str, dict[str, _Object]]:
    """The object files among fsspec ``info`` entries, by shard then digest; others skipped."""
    shards: dict[str, dict[str, _Object]] = {}
    for info in sorted(entries, key=lambda info: str(info["name"])):
        folder, _, name = str(info["name"]).rpartition("/")
        match = _OBJECT_NAME.fullmatch(name)
        if match and folder.endswith("/" + match[1][:2]) and info.get("type", "file") == "file":
            shard = shards.setdefault(match[1][:2], {})
            shard.setdefault(match[1], _Object(match[2], int(info["size"])))
    return shards


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
