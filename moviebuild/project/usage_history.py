"""The token history the price table learns from: one line per paid LLM call made on this
machine (adapter, model, producer, answer size, tokens in and out), in a small JSON-lines file
shared by every movie, so the next movie's script is estimated from the calls that came before.

It holds counts only, never text. ``MOVIEBUILD_USAGE_HISTORY`` names the file (``off`` turns
learning off); the default is ``$XDG_STATE_HOME/moviebuild/usage.jsonl``. It does not price
anything (``providers.prices`` does) and never fails a build: a file it cannot read or write
is skipped.
"""

from __future__ import annotations

import json
import logging
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

from moviebuild.providers.prices import Learned, TokenEstimate

HISTORY_ENV = "MOVIEBUILD_USAGE_HISTORY"
#: The most recent calls per (adapter, model, producer) that an estimate averages.
RECENT_CALLS = 50
#: The file is rewritten with only the recent calls once it grows past this many lines.
MAX_LINES = 5000

log = logging.getLogger("moviebuild.usage")


def history_path() -> Path | None:
    value = os.environ.get(HISTORY_ENV, "").strip()
    if value.lower() == "off":
        return None
    if value:
        return Path(value).expanduser()
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "moviebuild" / "usage.jsonl"


def _read(path: Path) -> list[dict[str, object]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    samples = []
    for line in lines:
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            samples.append(value)
    return samples


def learned_estimates(path: Path | None = None) -> Learned:
    """Per (adapter, model, producer): the mean prompt tokens and the mean answer tokens per
    item (segment, image prompt) of the most recent calls."""
    path = path or history_path()
    if path is None:
        return Learned()
    groups: dict[tuple[str, str, str], list[tuple[float, float, float]]] = defaultdict(list)
    for sample in _read(path):
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
    return Learned(tokens)


def record_calls(samples: Iterable[dict[str, object]], path: Path | None = None) -> None:
    """Append one line per call; keeps the file bounded."""
    path = path or history_path()
    lines = [json.dumps(s, sort_keys=True) for s in samples]
    if path is None or not lines:
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


def model_notices(calls: Iterable[Mapping[str, object]], path: Path | None = None) -> list[str]:
    """A notice per model whose provider now reports another model than it last did at the same
    endpoint under the same name: outputs made before came from a different model."""
    path = path or history_path()
    if path is None:
        return []
    last: dict[tuple[str, str, str], str] = {}
    for sample in _read(path):
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
