"""The call history the price table learns from: one line per paid call (adapter, endpoint,
model, producer, answer size, the units billed, the model the provider reported), counts only,
never text.

Two histories, one format: the movie's own, kept in its store (``usage.jsonl`` beside the
revisions, so every machine that builds the movie, and a store on S3, shares it), and this
machine's, shared by every movie built here, so a new movie's script is estimated from the
calls that came before. For each (adapter, model, producer) the movie's history wins when it
has calls. ``MOVIEBUILD_USAGE_HISTORY`` names the machine's file (``off`` turns it off); the
default is ``$XDG_STATE_HOME/moviebuild/usage.jsonl``. It does not price anything
(``providers.prices`` does) and never fails a build: a history it cannot read or write is
skipped.
"""

from __future__ import annotations

import json
import logging
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from moviebuild.errors import StoreError
from moviebuild.providers.prices import Learned, TokenEstimate

if TYPE_CHECKING:
    from moviebuild.store import Store

HISTORY_ENV = "MOVIEBUILD_USAGE_HISTORY"
#: The most recent calls per (adapter, model, producer) that an estimate averages.
RECENT_CALLS = 50
#: The file is rewritten with only the recent calls once it grows past this many lines.
MAX_LINES = 5000
#: A movie's history keeps its most recent calls (a few builds of a long movie).
STORE_LINES = 2000

log = logging.getLogger("moviebuild.usage")


def history_path() -> Path | None:
    value = os.environ.get(HISTORY_ENV, "").strip()
    if value.lower() == "off":
        return None
    if value:
        return Path(value).expanduser()
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "moviebuild" / "usage.jsonl"


def _read(path: Path | None) -> list[dict[str, object]]:
    if path is None:
        return []
    try:
        return _parse(path.read_text(encoding="utf-8"))
    except OSError:
        return []


def _read_store(store: Store | None) -> list[dict[str, object]]:
    if store is None:
        return []
    try:
        return _parse(store.read_usage_history().decode("utf-8", errors="replace"))
    except StoreError as exc:
        log.info("the call history of %s was not read: %s", store.url, exc.message)
        return []


def _parse(text: str) -> list[dict[str, object]]:
    samples = []
    for line in text.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            samples.append(value)
    return samples


def learned_estimates(path: Path | None = None, store: Store | None = None) -> Learned:
    """Per (adapter, model, producer): the mean prompt tokens and the mean answer tokens per
    item (segment, image prompt) of the most recent calls, from ``store``'s history where it
    has calls of that model and producer, else from this machine's."""
    machine = _token_estimates(_read(path or history_path()))
    return Learned({**machine, **_token_estimates(_read_store(store))})


def _token_estimates(
    samples: Iterable[Mapping[str, object]],
) -> dict[tuple[str, str, str], TokenEstimate]:
    groups: dict[tuple[str, str, str], list[tuple[float, float, float]]] = defaultdict(list)
    for sample in samples:
        try:
            key = (str(sample["adapter"]), str(sample["model"]), str(sample["producer"]))
            size = max(1.0, float(sample["size"]))  # type: ignore[arg-type]
            entry = (float(sample["input_tokens"]),  # type: ignore[arg-type]
                     float(sample["output_tokens"]), size)  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError):
            continue
        groups[key].append(entry)
    tokens = {}
    for key, entries in groups.items():
        recent = entries[-RECENT_CALLS:]
        tokens[key] = TokenEstimate(
            input_tokens=sum(e[0] for e in recent) / len(recent),
            output_tokens_per_item=sum(e[1] / e[2] for e in recent) / len(recent),
            samples=len(recent), learned=True)
    return tokens


def record_calls(samples: Iterable[dict[str, object]], path: Path | None = None,
                 store: Store | None = None) -> None:
    """Add one line per call to this machine's history and to ``store``'s; both stay
    bounded."""
    lines = [json.dumps(s, sort_keys=True) for s in samples]
    if not lines:
        return
    if store is not None:
        _record_in_store(store, lines)
    path = path or history_path()
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write("".join(line + "\n" for line in lines))
        if path.stat().st_size > MAX_LINES * 200:
            kept = _read(path)[-MAX_LINES // 2:]
            path.write_text("".join(json.dumps(s, sort_keys=True) + "\n" for s in kept),
                            encoding="utf-8")
    except OSError as exc:
        log.info("the usage history %s was not updated: %s", path, exc)


def _record_in_store(store: Store, lines: list[str]) -> None:
    """Object stores cannot append: the history is rewritten whole, with its recent calls."""
    try:
        kept = store.read_usage_history().decode("utf-8", errors="replace").splitlines()
        recent = [*(line for line in kept if line.strip()), *lines][-STORE_LINES:]
        store.write_usage_history("".join(line + "\n" for line in recent).encode("utf-8"))
    except StoreError as exc:
        log.info("the call history of %s was not updated: %s", store.url, exc.message)


def model_notices(calls: Iterable[Mapping[str, object]], path: Path | None = None,
                  store: Store | None = None) -> list[str]:
    """A notice per model whose provider now reports another model than it last did at the same
    endpoint under the same name (in this machine's history, then the movie's): outputs made
    before came from a different model."""
    last: dict[tuple[str, str, str], str] = {}
    for sample in [*_read(path or history_path()), *_read_store(store)]:
        reported = sample.get("reported_model")
        if isinstance(reported, str) and reported:
            last[_model_key(sample)] = reported
    notices, seen = [], set()
    for call in calls:
        reported, key = call.get("reported_model"), _model_key(call)
        before = last.get(key)
        if isinstance(reported, str) and before and before != reported and key not in seen:
            seen.add(key)
            where = f" at {key[1]}" if key[1] else ""
            notices.append(
                f"{key[0]}{where}: '{key[2]}' answered as {reported}, not {before} as before; "
                "outputs made earlier came from the other model (`moviebuild redo` remakes a job)")
    return notices


def _model_key(sample: Mapping[str, object]) -> tuple[str, str, str]:
    return (str(sample.get("adapter", "")), str(sample.get("endpoint", "")),
            str(sample.get("model", "")))
