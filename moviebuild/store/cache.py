"""Local knowledge about blob files: which were hashed and found intact (keyed by what ``stat``
says, so a file changed in any way is hashed again), and, for stores that are not on this
machine, a local copy of each blob read or written, so reading a blob twice downloads it once.
Blobs are immutable and named by their hash, so neither ever needs invalidating by time.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import xxhash

from moviebuild.store.files import write_atomically
from moviebuild.store.localfs import LocalFS

_MEMO_FORMAT_VERSION = 1


def hash_file(path: str) -> str:
    """The xxh3-128 hex digest of a local file's bytes."""
    digest = xxhash.xxh3_128()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _identity(path: str) -> list[int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    # ctime changes on every write, chmod or rename and cannot be set back by a user.
    return [stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]


class VerifiedFiles:
    """Local files whose bytes were hashed and matched their digest, with their ``stat`` then.

    ``memo_path`` (a JSON file) keeps the answers across runs; None keeps them in memory only.
    A damaged or unreadable memo is treated as empty: it is only a cache.
    """

    def __init__(self, memo_path: str | None, *, names_hold_digest: bool = True) -> None:
        # Blob files are named by their digest, so a path alone says which bytes it must hold;
        # other files (out/) are remembered per path and digest.
        self._per_digest = not names_hold_digest
        self._memo_path = memo_path
        self._entries: dict[str, list[int]] = {}
        self._dirty = False
        if memo_path is not None:
            with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
                document = json.loads(Path(memo_path).read_bytes())
                if document.get("format_version") == _MEMO_FORMAT_VERSION:
                    self._entries = {str(k): list(v) for k, v in document["files"].items()}

    def is_intact(self, path: str, digest: str) -> bool | None:
        """Whether the file at ``path`` hashes to ``digest``; None when there is no such file."""
        identity = _identity(path)
        if identity is None:
            return None
        key = self._key(path, digest)
        if self._entries.get(key) == identity:
            return True
        intact = hash_file(path) == digest
        if intact:
            self._entries[key] = identity
        else:
            self._entries.pop(key, None)
        self._dirty = True
        return intact

    def note_written(self, path: str, digest: str = "") -> None:
        """Remember a file this process just wrote from bytes it hashed itself (``digest``:
        what they hash to, for files not named by it)."""
        identity = _identity(path)
        key = self._key(path, digest)
        # Reading a known blob notes it again; only a change is worth rewriting the memo for.
        if identity is not None and self._entries.get(key) != identity:
            self._entries[key] = identity
            self._dirty = True

    def forget(self, path: str) -> None:
        if self._entries.pop(path, None) is not None:
            self._dirty = True

    def _key(self, path: str, digest: str) -> str:
        return f"{path}\n{digest}" if self._per_digest else path

    def save(self) -> None:
        """Write the memo if it changed; failing to (a read-only folder, a full disk) is fine."""
        if self._memo_path is None or not self._dirty:
            return
        files = {
            key: ident
            for key, ident in self._entries.items()
            if os.path.exists(key.split("\n", 1)[0])
        }
        document = {"format_version": _MEMO_FORMAT_VERSION, "files": files}
        data = json.dumps(document).encode()
        with contextlib.suppress(OSError):
            write_atomically(LocalFS(), self._memo_path, data, overwrite=True)
            self._dirty = False


class BlobCache:
    """Local copies of a remote store's blobs at ``<folder>/<first 2 hex>/<digest>.<ext>``."""

    def __init__(self, folder: str, verified: VerifiedFiles) -> None:
        self._folder = folder
        self._verified = verified

    def path(self, digest: str, ext: str) -> str:
        return os.path.join(self._folder, digest[:2], f"{digest}.{ext}")

    def has(self, digest: str, ext: str) -> bool:
        """Whether an intact copy is here (a damaged one is removed)."""
        path = self.path(digest, ext)
        intact = self._verified.is_intact(path, digest)
        if intact is False:
            self.remove(digest, ext)
        return bool(intact)

    def read(self, digest: str, ext: str) -> bytes | None:
        """The cached bytes when an intact copy is here, else None."""
        if not self.has(digest, ext):
            return None
        try:
            return Path(self.path(digest, ext)).read_bytes()
        except OSError:
            return None

    def write(self, digest: str, ext: str, data: bytes) -> None:
        """Keep a copy of bytes already hashed to ``digest``; a failure only costs a download."""
        path = self.path(digest, ext)
        with contextlib.suppress(OSError):
            write_atomically(LocalFS(), path, data, overwrite=True, mode=0o444)
            self._verified.note_written(path)

    def remove(self, digest: str, ext: str) -> None:
        path = self.path(digest, ext)
        self._verified.forget(path)
        with contextlib.suppress(OSError):
            os.remove(path)
