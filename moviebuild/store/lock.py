"""The movie's build lock (``lock``): one build at a time, never waiting, taking over a lock whose
holder is dead. Liveness is judged only on the holder's own host; a lock from another host is
always treated as held.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from moviebuild.errors import LockHeld, StoreError
from moviebuild.store.blobs import (
    TEMP_PREFIX,
    is_local_fs,
    os_errors_as_store_errors,
    write_atomically,
)

# /proc start times are derived from whole-second boot time; this absorbs that rounding.
_START_TIME_SLACK_S = 2.0
_ATTEMPTS = 3


@dataclass(frozen=True)
class LockHolder:
    """Who wrote a lock file: process ``pid`` on ``host``, since ``started`` (UTC)."""

    pid: int
    host: str
    started: datetime

    def encode(self) -> bytes:
        """The lock file's bytes."""
        started = self.started.isoformat()
        return json.dumps({"pid": self.pid, "host": self.host, "started": started}).encode()

    @staticmethod
    def decode(data: bytes) -> LockHolder | None:
        """The holder written in ``data``, or None when it is not a readable lock file."""
        try:
            fields = json.loads(data)
            started = datetime.fromisoformat(fields["started"])
            holder = LockHolder(fields["pid"], fields["host"], started)
        except (ValueError, TypeError, KeyError):
            return None
        if type(holder.pid) is not int or not isinstance(holder.host, str):
            return None
        if holder.started.tzinfo is None:
            return None
        return LockHolder(holder.pid, holder.host, holder.started.astimezone(UTC))


class MovieLock:
    """The lock file of one movie. ``held`` is true between ``acquire`` and ``release``.

    Creation is exclusive and whole: locally the file is written under a temp name and hard-linked
    into place, so a lock is never seen half-written; on other fsspec file systems it is
    ``pipe_file(mode="create")``, atomic on object stores with conditional writes, an exists
    check then a write elsewhere (two builds starting in the same instant could both win there).
    After a takeover, ``takeover_message`` says whose lock was taken, for the CLI to print.
    """

    def __init__(self, fs: Any, path: str) -> None:
        self._fs = fs
        self._path = path
        self._mine: bytes | None = None
        self.takeover_message: str | None = None

    @property
    def path(self) -> str:
        """The lock file's fsspec path."""
        return self._path

    @property
    def held(self) -> bool:
        """Whether this object holds the lock now."""
        return self._mine is not None

    def acquire(self) -> MovieLock:
        """Take the lock now, or raise ``LockHeld`` naming the live holder; returns self."""
        if self._mine is not None:
            raise StoreError(f"{self._path} is already held by this build")
        mine = LockHolder(os.getpid(), socket.gethostname(), datetime.now(UTC)).encode()
        with os_errors_as_store_errors(f"could not take the lock {self._path}"):
            for _attempt in range(_ATTEMPTS):
                if self._create(mine):
                    self._mine = mine
                    return self
                existing = self._read()
                if existing is None:
                    continue  # released in between: try again
                holder = LockHolder.decode(existing)
                if holder is not None and _is_alive(holder):
                    raise _lock_held(holder, self._path)
                if self._remove_stale(existing) and self._create(mine):
                    self._mine = mine
                    self.takeover_message = _takeover_message(holder, self._path)
                    return self
        raise StoreError(
            f"could not take the lock {self._path}: other builds keep taking it",
            hint="check for other moviebuild processes working on this movie, then try again",
        )

    def release(self) -> None:
        """Remove the lock if this object still holds it; releasing twice does nothing."""
        mine, self._mine = self._mine, None
        if mine is None:
            return
        with os_errors_as_store_errors(f"could not release the lock {self._path}"):
            # Only remove our own file: one that differs was taken over, and is someone else's.
            if self._read() == mine:
                with contextlib.suppress(FileNotFoundError):
                    self._fs.rm_file(self._path)

    def __enter__(self) -> MovieLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()

    def _create(self, content: bytes) -> bool:
        try:
            write_atomically(self._fs, self._path, content, overwrite=False)
        except FileExistsError:
            return False
        return True

    def _read(self) -> bytes | None:
        try:
            data: bytes = self._fs.cat_file(self._path)
        except FileNotFoundError:
            return None
        return data

    def _remove_stale(self, stale: bytes) -> bool:
        """Remove the lock file if it still holds ``stale``; False when it changed meanwhile."""
        if not is_local_fs(self._fs):
            with contextlib.suppress(FileNotFoundError):
                self._fs.rm_file(self._path)
            return True
        # Rename aside, then check: if another process took over since we read it, what we moved
        # is its fresh lock, and it goes back (hard link: never over a third process's lock).
        aside = os.path.join(os.path.dirname(self._path), TEMP_PREFIX + uuid.uuid4().hex)
        try:
            os.rename(self._path, aside)
        except FileNotFoundError:
            return True
        try:
            if Path(aside).read_bytes() == stale:
                return True
            with contextlib.suppress(FileExistsError):
                os.link(aside, self._path)
            return False
        finally:
            os.unlink(aside)


def _is_alive(holder: LockHolder) -> bool:
    if holder.host != socket.gethostname():
        return True
    if holder.pid <= 0:
        return False
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # the process exists but belongs to another user
    started = _process_start_time(holder.pid)
    # A process that started after the lock was written cannot have written it: its pid was
    # reused (common in containers, where a restarted build often gets the same small pid).
    return started is None or started <= holder.started.timestamp() + _START_TIME_SLACK_S


def _process_start_time(pid: int) -> float | None:
    """When process ``pid`` started (Unix time), from Linux's /proc; None where unavailable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        # Fields after the ")" that ends the command name start at field 3; starttime is 22.
        ticks = int(stat.rsplit(")", 1)[1].split()[19])
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def _lock_held(holder: LockHolder, path: str) -> LockHeld:
    where = "" if holder.host == socket.gethostname() else f" on host {holder.host}"
    return LockHeld(
        f"process {holder.pid}{where} has been building this movie since "
        f"{holder.started:%Y-%m-%d %H:%M:%S} UTC",
        holder_pid=holder.pid,
        hint=f"wait for that build to finish or stop it; if it is not running, delete {path}",
    )


def _takeover_message(holder: LockHolder | None, path: str) -> str:
    if holder is None:
        return f"took over the unreadable lock file {path}"
    since = f"{holder.started:%Y-%m-%d %H:%M:%S} UTC"
    return f"took over a lock left by dead process {holder.pid} (building since {since})"
