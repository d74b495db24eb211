"""The movie's build lock (``lock``): one build at a time, never waiting, taking over a lock whose
holder is dead. Liveness is judged on the holder's own host; a lock from another host is held
until its lease (``LEASE_S``, 12 hours unless ``MOVIEBUILD_LOCK_LEASE_S`` says otherwise) has
run out since it was taken.
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
from moviebuild.store.files import TEMP_PREFIX, create_object, is_local_fs, write_atomically
from moviebuild.store.transport import is_object_store, transport_errors

# /proc start times are derived from whole-second boot time; this absorbs that rounding.
_START_TIME_SLACK_S = 2.0
_ATTEMPTS = 3
LEASE_S = 12 * 3600.0


def lease_s() -> float:
    """How long a lock from another host is honoured (``MOVIEBUILD_LOCK_LEASE_S`` or 12 h)."""
    text = os.environ.get("MOVIEBUILD_LOCK_LEASE_S", "").strip()
    try:
        value = float(text) if text else LEASE_S
    except ValueError:
        raise StoreError(f"MOVIEBUILD_LOCK_LEASE_S={text!r} is not a number of seconds") from None
    return value if value >= 0 else LEASE_S


@dataclass(frozen=True)
class LockLease:
    """A lease held elsewhere (a cluster's database) under which a build takes the lock:
    ``name`` (the movie) and ``epoch``, which grows at every taking. A lock written under an
    older epoch of the same lease is stale whatever its process: its build was taken over."""

    name: str
    epoch: int


@dataclass(frozen=True)
class LockHolder:
    """Who wrote a lock file: process ``pid`` on ``host``, since ``started`` (UTC), and the
    lease it builds under, if any."""

    pid: int
    host: str
    started: datetime
    lease: LockLease | None = None

    def encode(self) -> bytes:
        """The lock file's bytes."""
        started = self.started.isoformat()
        fields: dict[str, Any] = {"pid": self.pid, "host": self.host, "started": started}
        if self.lease is not None:
            fields["lease"] = {"name": self.lease.name, "epoch": self.lease.epoch}
        return json.dumps(fields).encode()

    @staticmethod
    def decode(data: bytes) -> LockHolder | None:
        """The holder written in ``data``, or None when it is not a readable lock file."""
        try:
            fields = json.loads(data)
            started = datetime.fromisoformat(fields["started"])
            lease = fields.get("lease")
            lease = LockLease(str(lease["name"]), int(lease["epoch"])) if lease else None
            holder = LockHolder(fields["pid"], fields["host"], started, lease)
        except (ValueError, TypeError, KeyError):
            return None
        if type(holder.pid) is not int or not isinstance(holder.host, str):
            return None
        if holder.started.tzinfo is None:
            return None
        return LockHolder(holder.pid, holder.host, holder.started.astimezone(UTC), holder.lease)


class MovieLock:
    """The lock file of one movie. ``held`` is true between ``acquire`` and ``release``.

    Creation is exclusive and whole: locally the file is written under a temp name and hard-linked
    into place, so a lock is never seen half-written; on object stores it is one PUT with
    ``If-None-Match: *`` (any 412 means "held"), and a stale lock is replaced by a PUT with
    ``If-Match`` its ETag, so of two takers only one wins. Other fsspec file systems (memory)
    check then write. After a takeover, ``takeover_message`` says whose lock was taken.

    Under a ``lease``, a lock of the same lease and an older epoch is taken over at once (its
    build was handed to this one), and one of a newer epoch is held (this build was).
    """

    def __init__(self, fs: Any, path: str, lease: LockLease | None = None) -> None:
        self._fs = fs
        self._path = path
        self._lease = lease
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
        mine = LockHolder(
            os.getpid(), socket.gethostname(), datetime.now(UTC), self._lease
        ).encode()
        with transport_errors(f"could not take the lock {self._path}"):
            for _attempt in range(_ATTEMPTS):
                if self._create(mine):
                    self._mine = mine
                    return self
                existing = self._read()
                if existing is None:
                    continue  # released in between: try again
                if existing == mine:
                    self._mine = mine  # our own PUT, retried after a lost answer
                    return self
                holder = LockHolder.decode(existing)
                if holder is not None and self._superseded(holder) is False:
                    raise _lock_held(holder, self._path)
                if holder is not None and self._superseded(holder) is None and _is_alive(holder):
                    raise _lock_held(holder, self._path)
                if self._replace_stale(existing, mine):
                    self._mine = mine
                    self.takeover_message = _takeover_message(holder, self._path)
                    return self
        raise StoreError(
            f"could not take the lock {self._path}: other builds keep taking it",
            hint="check for other moviebuild processes working on this movie, then try again",
        )

    def _superseded(self, holder: LockHolder) -> bool | None:
        """Whether ``holder`` built under an older epoch of this lock's lease (None: the
        lease does not decide, liveness does)."""
        theirs, mine = holder.lease, self._lease
        if theirs is None or mine is None or theirs.name != mine.name:
            return None
        return theirs.epoch < mine.epoch

    def release(self) -> None:
        """Remove the lock if this object still holds it; releasing twice does nothing."""
        mine, self._mine = self._mine, None
        if mine is None:
            return
        with transport_errors(f"could not release the lock {self._path}"):
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

    def read_holder(self) -> tuple[bytes, LockHolder | None] | None:
        """The lock file's bytes and who they name, or None when nobody holds the lock."""
        with transport_errors(f"could not read the lock {self._path}"):
            data = self._read()
        return None if data is None else (data, LockHolder.decode(data))

    def is_stale(self, holder: LockHolder | None) -> bool:
        """Whether a lock naming ``holder`` may be taken over (None: an unreadable lock)."""
        return holder is None or not _is_alive(holder)

    def _read(self) -> bytes | None:
        try:
            data: bytes = self._fs.cat_file(self._path)
        except FileNotFoundError:
            return None
        return data

    def _replace_stale(self, stale: bytes, mine: bytes) -> bool:
        """Put ``mine`` in place of the lock if it still holds ``stale``; False if it changed."""
        if is_object_store(self._fs):
            return self._replace_stale_object(stale, mine)
        return self._remove_stale(stale) and self._create(mine)

    def _replace_stale_object(self, stale: bytes, mine: bytes) -> bool:
        # The ETag read before and after the GET brackets it: equal ETags mean the bytes we
        # judged stale are the version that ETag names, and only a PUT conditioned on it wins.
        try:
            before = str(self._fs.info(self._path)["ETag"])
            if self._read() != stale or str(self._fs.info(self._path)["ETag"]) != before:
                return False
            create_object(self._fs, self._path, mine, IfMatch=before)
        except (FileNotFoundError, FileExistsError):
            return False
        return True

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
        return (datetime.now(UTC) - holder.started).total_seconds() < lease_s()
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
    hint = f"wait for that build to finish or stop it; if it is not running, delete {path}"
    where = ""
    if holder.host != socket.gethostname():
        where = f" on host {holder.host}"
        hours = lease_s() / 3600
        hint = (
            f"wait for that build to finish; a lock from another host is taken over "
            f"{hours:g} h after it was taken (MOVIEBUILD_LOCK_LEASE_S), or delete {path}"
        )
    return LockHeld(
        f"process {holder.pid}{where} has been building this movie since "
        f"{holder.started:%Y-%m-%d %H:%M:%S} UTC",
        holder_pid=holder.pid,
        hint=hint,
    )


def _takeover_message(holder: LockHolder | None, path: str) -> str:
    if holder is None:
        return f"took over the unreadable lock file {path}"
    if holder.lease is not None:
        return (
            f"took over the lock of process {holder.pid} on host {holder.host} (lease epoch "
            f"{holder.lease.epoch}): its build was handed on"
        )
    since = f"{holder.started:%Y-%m-%d %H:%M:%S} UTC"
    if holder.host != socket.gethostname():
        return (
            f"took over the lock of process {holder.pid} on host {holder.host} (building since "
            f"{since}): its lease of {lease_s() / 3600:g} h has run out"
        )
    return f"took over a lock left by dead process {holder.pid} (building since {since})"
