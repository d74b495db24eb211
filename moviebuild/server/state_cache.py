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
        self._pending: dict[MovieRef, asyncio.Future[_Entry]] = {}
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="moviebuild-state")

    async def get(
        self, ref: MovieRef, last_event_id: int, compute: Callable[[], MovieState]
    ) -> tuple[MovieState, bytes]:
        loop = asyncio.get_running_loop()
        fingerprint = await loop.run_in_executor(
            self._executor, movie_fingerprint, ref.folder, last_event_id
        )
        entry = self._entries.get(ref)
        if (
            entry is not None
            and entry.fingerprint == fingerprint
            and time.monotonic() - entry.made_at < self.max_age_s
        ):
            return entry.state, entry.body
        pending = self._pending.get(ref)
        if pending is None:
            pending = loop.create_future()
            self._pending[ref] = pending
            try:
                state = await loop.run_in_executor(self._executor, compute)
                body = await loop.run_in_executor(
                    self._executor, lambda: state.model_dump_json().encode()
                )
                entry = _Entry(fingerprint, time.monotonic(), state, body)
                self._entries[ref] = entry
                pending.set_result(entry)
            except BaseException as exc:
                if isinstance(exc, asyncio.CancelledError):
                    pending.cancel()
                else:
                    pending.set_exception(exc)
                    pending.exception()  # marks it retrieved; waiters re-raise it
                raise
            finally:
                del self._pending[ref]
        else:
            entry = await asyncio.shield(pending)
        return entry.state, entry.body

    def forget(self, ref: MovieRef) -> None:
        self._entries.pop(ref, None)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
