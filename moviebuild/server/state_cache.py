"""Movie states as the server answers them, computed once per change instead of once per
request. A state is reused while the movie's fingerprint holds (its last event, the Moviefile,
HEAD and the ``prompts/`` files) and for at most ``max_age_s``; readers asking at once share one
computation, made on the server's own reader threads so builds' media work never delays it.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from moviebuild.project.state import MovieState
from moviebuild.server.backend import MovieRef

Fingerprint = tuple[object, ...]


@dataclass(frozen=True)
class _Entry:
    fingerprint: Fingerprint
    made_at: float
    state: MovieState
    body: bytes


def movie_fingerprint(folder: Path, last_event_id: int) -> Fingerprint:
    """What changes when the movie's state may: cheap stats, no reads."""
    stats: list[object] = [last_event_id]
    for path in (folder / "Moviefile.yaml", folder / ".moviebuild" / "HEAD"):
        try:
            info = path.stat()
            stats.append((info.st_mtime_ns, info.st_size))
        except OSError:
            stats.append(None)
    prompts = folder / "prompts"
    if prompts.is_dir():
        for directory, _dirs, files in os.walk(prompts):
            for name in files:
                try:
                    info = os.stat(os.path.join(directory, name))
                except OSError:
                    continue
                stats.append((name, info.st_mtime_ns, info.st_size))
    return tuple(stats)


class StateCache:
    """Per-movie states; ``compute`` makes one from a movie folder (in a reader thread)."""

    def __init__(self, max_age_s: float = 5.0, threads: int = 4) -> None:
        self.max_age_s = max_age_s
        self._entries: dict[MovieRef, _Entry] = {}
        self._pending: dict[MovieRef, tuple[Fingerprint, asyncio.Future[_Entry]]] = {}
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="moviebuild-state")

    async def get(
        self,
        ref: MovieRef,
        last_event_id: int,
        compute: Callable[[], MovieState],
        *,
        stale_ok_s: float = 0.0,
    ) -> tuple[MovieState, bytes]:
        """The state of ``ref``. ``stale_ok_s``: while a build runs, a state at most this old
        may answer at once while a fresh one is computed (clients polling a build see it
        lag by that much, never more; a finished build's state is always fresh)."""
        # A few stats: cheaper on the loop than a hop to a thread and back.
        fingerprint = movie_fingerprint(ref.folder, last_event_id)
        entry = self._entries.get(ref)
        now = time.monotonic()
        if entry is not None and entry.fingerprint == fingerprint:
            if now - entry.made_at < self.max_age_s:
                return entry.state, entry.body
        elif entry is not None and now - entry.made_at < stale_ok_s:
            self._refresh(ref, fingerprint, compute)
            return entry.state, entry.body
        fresh = await asyncio.shield(self._refresh(ref, fingerprint, compute))
        return fresh.state, fresh.body

    def _refresh(
        self, ref: MovieRef, fingerprint: Fingerprint, compute: Callable[[], MovieState]
    ) -> asyncio.Future[_Entry]:
        """The computation of ``ref``'s state for ``fingerprint``, started unless under way."""
        pending = self._pending.get(ref)
        if pending is not None and pending[0] == fingerprint:
            return pending[1]
        future = asyncio.ensure_future(self._compute(ref, fingerprint, compute))
        self._pending[ref] = (fingerprint, future)

        def settled(done: asyncio.Future[_Entry]) -> None:
            if self._pending.get(ref, (None, None))[1] is done:
                del self._pending[ref]
            if not done.cancelled():
                done.exception()  # a failure reaches the requests awaiting it, not the log

        future.add_done_callback(settled)
        return future

    async def _compute(
        self, ref: MovieRef, fingerprint: Fingerprint, compute: Callable[[], MovieState]
    ) -> _Entry:
        loop = asyncio.get_running_loop()
        state = await loop.run_in_executor(self._executor, compute)
        body = await loop.run_in_executor(
            self._executor, lambda: state.model_dump_json().encode()
        )
        entry = _Entry(fingerprint, time.monotonic(), state, body)
        current = self._entries.get(ref)
        if current is None or current.made_at <= entry.made_at:
            self._entries[ref] = entry
        return entry

    def forget(self, ref: MovieRef) -> None:
        self._entries.pop(ref, None)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
