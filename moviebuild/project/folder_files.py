"""Files moviebuild writes under the movie folder (``prompts/``, ``out/``): written atomically
(a temporary name in the same folder, then a rename), never through a symbolic link, never
outside the folder. It knows nothing of what the files mean; prompts.py and export.py do.

Every path is relative to the movie folder and is walked one component at a time with
``O_NOFOLLOW``, so a link planted anywhere below the folder is refused with a message instead
of being followed. OS errors become StoreError (the disk is full, permission denied).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import stat
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from moviebuild.errors import ConfigError, StoreError

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_TEMP_PREFIX = ".moviebuild-tmp-"


def _parts(relative: str) -> list[str]:
    parts = PurePosixPath(relative).parts
    if not parts or any(p in ("", ".", "..", "/") for p in parts):
        raise ValueError(f"not a plain relative path: {relative!r}")
    return list(parts)


def _refuse_link(folder: Path, relative: str) -> ConfigError:
    return ConfigError(
        f"{folder / relative} is a symbolic link; moviebuild never reads or writes through a "
        "link under prompts/ or out/",
        hint="replace the link with a regular file or folder (or delete it) and run again",
    )


def _refuse_kind(folder: Path, relative: str, found: str, wanted: str) -> ConfigError:
    return ConfigError(
        f"{folder / relative} is {found}, but moviebuild keeps {wanted} there",
        hint=f"move it away (or delete it) and run again; moviebuild recreates the {wanted}",
    )


def _os_error(folder: Path, relative: str, doing: str, exc: OSError) -> StoreError:
    return StoreError(
        f"cannot {doing} {folder / relative}: {exc.strerror or exc}",
        hint="free disk space or fix the folder's permissions, then run moviebuild again",
    )


@contextlib.contextmanager
def _open_dir(folder: Path, parts: list[str], *, create: bool) -> Iterator[int | None]:
    """A descriptor of ``folder/parts...`` reached without following links; None if absent."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    try:
        for depth, name in enumerate(parts):
            relative = "/".join(parts[: depth + 1])
            try:
                child = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    yield None
                    return
                with contextlib.suppress(FileExistsError):
                    os.mkdir(name, dir_fd=fd)
                child = _open_existing_dir(folder, relative, name, fd)
            except OSError:
                child = _open_existing_dir(folder, relative, name, fd)
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def _open_existing_dir(folder: Path, relative: str, name: str, parent_fd: int) -> int:
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=parent_fd)
    except OSError as exc:
        mode = _lstat_mode(name, parent_fd)
        if mode is not None and stat.S_ISLNK(mode):
            raise _refuse_link(folder, relative) from None
        if mode is not None and not stat.S_ISDIR(mode):
            raise _refuse_kind(folder, relative, "a file", "a folder") from None
        raise _os_error(folder, relative, "open the folder", exc) from exc


def _lstat_mode(name: str, dir_fd: int) -> int | None:
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
    except FileNotFoundError:
        return None


def _check_target(folder: Path, relative: str, name: str, dir_fd: int) -> int | None:
    """The mode of the entry ``name`` about to be replaced; links and folders are refused."""
    mode = _lstat_mode(name, dir_fd)
    if mode is not None and stat.S_ISLNK(mode):
        raise _refuse_link(folder, relative)
    if mode is not None and stat.S_ISDIR(mode):
        raise _refuse_kind(folder, relative, "a folder", "a file")
    return mode


def read_file(folder: Path, relative: str, *, max_bytes: int | None = None) -> bytes | None:
    """The bytes of ``folder/relative``, or None when it does not exist. With ``max_bytes``, at
    most that many bytes plus one are read, so a caller can tell a file is too large without
    holding all of it."""
    *dirs, name = _parts(relative)
    with _open_dir(folder, dirs, create=False) as dir_fd:
        if dir_fd is None or _check_target(folder, relative, name, dir_fd) is None:
            return None
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=dir_fd)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise _os_error(folder, relative, "read", exc) from exc
        with os.fdopen(fd, "rb") as handle:
            return handle.read() if max_bytes is None else handle.read(max_bytes + 1)


def file_exists(folder: Path, relative: str) -> bool:
    """True when ``folder/relative`` is a regular file reached without following a link."""
    *dirs, name = _parts(relative)
    try:
        with _open_dir(folder, dirs, create=False) as dir_fd:
            mode = None if dir_fd is None else _lstat_mode(name, dir_fd)
    except ConfigError:
        return False
    return mode is not None and stat.S_ISREG(mode)


def write_file(folder: Path, relative: str, data: bytes, *, mode: int = 0o644) -> None:
    """Replace ``folder/relative`` with ``data`` atomically: readers see the old or new bytes.
    The file is created with ``mode`` (less the umask), so it never exists with wider rights."""
    _replace(folder, relative, mode, lambda handle: handle.write(data))


_FICLONE = 0x40049409  # Linux ioctl: share the source's blocks copy-on-write (btrfs, XFS)


def copy_file(folder: Path, relative: str, source: Path) -> None:
    """Replace ``folder/relative`` atomically with a copy of ``source``: a copy-on-write clone
    where the file system has them (no space used until either changes), else a plain copy.
    Never a hard link, so changing one never changes the other."""

    def fill(handle: BinaryIO) -> None:
        with open(source, "rb") as original:
            try:
                import fcntl

                fcntl.ioctl(handle.fileno(), _FICLONE, original.fileno())
            except (OSError, ImportError):
                shutil.copyfileobj(original, handle, 1 << 20)

    _replace(folder, relative, 0o644, fill)


def _replace(folder: Path, relative: str, mode: int, fill: Callable[[BinaryIO], object]) -> None:
    """Write a new file beside ``folder/relative`` with ``fill``, sync it, and rename it over."""
    *dirs, name = _parts(relative)
    with _open_dir(folder, dirs, create=True) as dir_fd:
        assert dir_fd is not None
        _check_target(folder, relative, name, dir_fd)
        temp = f"{_TEMP_PREFIX}{secrets.token_hex(6)}"
        try:
            fd = os.open(
                temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode, dir_fd=dir_fd
            )
            with os.fdopen(fd, "wb") as handle:
                fill(handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temp, dir_fd=dir_fd)
            raise _os_error(folder, relative, "write", exc) from exc


def remove_file(folder: Path, relative: str) -> None:
    """Delete ``folder/relative`` if present; a link is removed itself, never its target."""
    *dirs, name = _parts(relative)
    with _open_dir(folder, dirs, create=False) as dir_fd:
        if dir_fd is None:
            return
        try:
            os.unlink(name, dir_fd=dir_fd)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise _os_error(folder, relative, "delete", exc) from exc


def list_files(folder: Path, relative_dir: str, *, regular_only: bool = False) -> list[str]:
    """Every entry below ``folder/relative_dir`` that is not a folder (links included unless
    ``regular_only``, never followed), as paths relative to that folder; empty when it does not
    exist."""
    found: list[tuple[str, bool]] = []
    with _open_dir(folder, _parts(relative_dir), create=False) as top:
        if top is None:
            return []
        _collect(top, "", found)
    return sorted(name for name, regular in found if regular or not regular_only)


def _collect(dir_fd: int, prefix: str, found: list[tuple[str, bool]]) -> None:
    with os.scandir(dir_fd) as entries:
        listed = [
            (entry.name, entry.is_dir(follow_symlinks=False), entry.is_file(follow_symlinks=False))
            for entry in entries
        ]
    for name, is_dir, is_file in listed:
        if not is_dir:
            found.append((f"{prefix}{name}", is_file))
            continue
        child = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
        try:
            _collect(child, f"{prefix}{name}/", found)
        finally:
            os.close(child)


def remove_empty_dir(folder: Path, relative: str) -> None:
    """Delete the folder ``folder/relative`` if it is empty (and not a link)."""
    *dirs, name = _parts(relative)
    with _open_dir(folder, dirs, create=False) as dir_fd:
        if dir_fd is None:
            return
        mode = _lstat_mode(name, dir_fd)
        if mode is not None and stat.S_ISDIR(mode):
            with contextlib.suppress(OSError):
                os.rmdir(name, dir_fd=dir_fd)


def remove_temp_files(folder: Path, relative_dir: str) -> None:
    """Delete temporary files a killed write left below ``folder/relative_dir``."""
    for relative in list_files(folder, relative_dir):
        if relative.rsplit("/", 1)[-1].startswith(_TEMP_PREFIX):
            remove_file(folder, f"{relative_dir}/{relative}")


def write_text_atomically(path: Path, text: str) -> None:
    """``write_file`` for a whole path: ``text`` as UTF-8, replacing the file in one rename and
    never through a link in its last component."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_file(path.parent, path.name, text.encode("utf-8"))


def write_secret_atomically(path: Path, text: str) -> None:
    """``write_text_atomically`` for a secret (a token book, a signing key, a webhook secret):
    the file is 0600 from its first byte (never written wide and narrowed after), and the
    folder holding it is made 0700, so only the server's user can read or list them."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    write_file(path.parent, path.name, text.encode("utf-8"), mode=0o600)
