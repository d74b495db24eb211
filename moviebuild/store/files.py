"""Byte-level helpers shared by the store's parts: paths under a root, whole-or-nothing writes on
any file system, and the exclusive create that locks and manifests rely on. No JSON, no blobs.
"""

from __future__ import annotations

import contextlib
import errno
import os
import uuid
from typing import Any

from moviebuild.store.transport import is_object_store, is_precondition_failed

TEMP_PREFIX = ".tmp-"
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


def write_atomically(
    fs: Any, path: str, data: bytes, *, overwrite: bool, mode: int = 0o644
) -> None:
    """Write ``data`` at ``path`` so that readers see all of it or nothing.

    Locally: a temp file in the same folder, fsynced, then ``os.replace`` (overwrite) or
    ``os.link`` (raises ``FileExistsError`` instead of overwriting). On object stores a PUT is
    already atomic: one PUT, conditional (``If-None-Match: *``) when overwriting is refused, a
    412 from any server meaning "exists". Other fsspec file systems: a temp file then ``mv``, or
    ``pipe_file(mode="create")``.
    """
    if is_local_fs(fs):
        _write_local(path, data, overwrite=overwrite, mode=mode)
    elif is_object_store(fs):
        if overwrite:
            fs.pipe_file(path, data)
        else:
            create_object(fs, path, data)
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


def create_object(fs: Any, path: str, data: bytes, **conditions: str) -> None:
    """One conditional PUT on an object store; ``FileExistsError`` when the condition fails.

    Without ``conditions`` the PUT is ``If-None-Match: *`` (create only); with ``IfMatch=etag``
    it replaces exactly that version. s3fs recognises only AWS's 412 body; any 412 counts here.
    """
    try:
        if conditions:
            fs.pipe_file(path, data, **conditions)
        else:
            fs.pipe_file(path, data, mode="create")
    except FileExistsError:
        raise
    except Exception as exc:
        if is_precondition_failed(exc):
            raise FileExistsError(errno.EEXIST, "precondition failed", path) from exc
        raise


def _write_local(path: str, data: bytes, *, overwrite: bool, mode: int) -> None:
    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, exist_ok=True)
    except FileExistsError as exc:
        # A file where the folder belongs: not "the target exists", which callers take as a
        # refused exclusive create.
        raise NotADirectoryError(errno.ENOTDIR, "Not a directory", exc.filename) from exc
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
