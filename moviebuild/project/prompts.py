"""The ``prompts/`` folder: generated text written for people to edit, and edits read back as
overrides.

Each slot (a text artifact) lives in a file or, for the script, a ``# Segment N`` section of
``script.md`` (format in script_md.py). ``prompts/.generated.json`` remembers what the build last
wrote for each slot; text that differs from it (after ``normalize_text`` on both sides) is the
user's edit and pins the slot. Files are written atomically and never through a link
(folder_files.py). A ``.generated.json`` that cannot be read is rebuilt with a notice, and files
that differ from the generated text are then kept as the user's edits.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moviebuild.config.texts import MAX_TEXT_CHARS, check_text
from moviebuild.errors import ConfigError, GraphError, SourceLocation
from moviebuild.graph import NodeId, parse_node_id
from moviebuild.graph.naming import kind_of, prompts_file
from moviebuild.project.folder_files import (
    file_exists,
    list_files,
    read_file,
    remove_temp_files,
    write_file,
)
from moviebuild.project.script_md import decode_text, normalize_text, parse_script, render_script

if TYPE_CHECKING:
    from moviebuild.graph import Graph
    from moviebuild.store import Store

__all__ = [
    "PROMPTS_DIR",
    "SCRIPT_FILE",
    "STATE_FILE",
    "PromptState",
    "parse_script",
    "prompt_files_present",
    "read_edits",
    "read_prompt_files",
    "render_script",
    "reset_slots",
    "slot_file",
    "write_prompt_files",
    "write_slots",
]

PROMPTS_DIR = "prompts"
STATE_FILE = ".generated.json"
SCRIPT_FILE = "script.md"
FORMAT_VERSION = 1
#: Larger than any prompts/ file within the text limits (script.md holds up to 32 texts).
MAX_FILE_BYTES = 2_000_000


def slot_file(artifact_id: NodeId) -> str | None:
    """The file under ``prompts/`` holding a text artifact (script slots share script.md), as
    the blueprint names it; None for media and for ids of no text slot."""
    if kind_of(artifact_id) != "text":
        return None
    return prompts_file(artifact_id)


def _relative(name: str) -> str:
    return f"{PROMPTS_DIR}/{name}"


@dataclass
class PromptState:
    """What the build last wrote per slot (``generated``) and what each pin started from.

    ``damaged`` says why ``.generated.json`` could not be read (None when it was fine or absent);
    a damaged state is empty, and the next write rebuilds it.
    """

    generated: dict[str, str]
    pinned_from: dict[str, str]
    damaged: str | None = None

    @classmethod
    def load(cls, folder: Path) -> PromptState:
        raw = read_file(folder, _relative(STATE_FILE))
        if raw is None:
            return cls({}, {})
        try:
            data = json.loads(raw.decode("utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            if data.get("format_version", FORMAT_VERSION) != FORMAT_VERSION:
                raise ValueError(f"format version {data.get('format_version')!r}")
            return cls(_slot_texts(data.get("generated")), _slot_texts(data.get("pinned_from")))
        except (UnicodeDecodeError, ValueError, RecursionError, GraphError) as exc:
            return cls({}, {}, damaged=f"{type(exc).__name__}: {str(exc)[:80]}")

    def save(self, folder: Path) -> None:
        payload = {
            "format_version": FORMAT_VERSION,
            "generated": self.generated,
            "pinned_from": self.pinned_from,
        }
        text = json.dumps(payload, indent=1, sort_keys=True) + "\n"
        write_file(folder, _relative(STATE_FILE), text.encode("utf-8"))


def _slot_texts(value: Any) -> dict[str, str]:
    """A ``{slot id: text}`` mapping from JSON, or ValueError (GraphError for a bad id)."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(t, str) for t in value.values()):
        raise ValueError("expected a mapping of slot ids to text")
    for text_id in value:
        parse_node_id(text_id)
    return dict(value)


def _read_text(folder: Path, name: str) -> str | None:
    raw = read_file(folder, _relative(name), max_bytes=MAX_FILE_BYTES)
    if raw is not None and len(raw) > MAX_FILE_BYTES:
        raise ConfigError(
            f"the file is larger than {MAX_FILE_BYTES // 1_000_000} MB; one text may be at most "
            f"{MAX_TEXT_CHARS:,} characters",
            location=SourceLocation(folder / PROMPTS_DIR / name),
            hint="shorten it, or delete it to get the generated text back",
        )
    return None if raw is None else decode_text(raw, folder / PROMPTS_DIR / name)


def _read_slots(folder: Path, slots: Iterable[NodeId]) -> dict[NodeId, str]:
    """The normalised text on disk of each of ``slots`` with a file, and every script section."""
    found: dict[NodeId, str] = {}
    script = _read_text(folder, SCRIPT_FILE)
    if script is not None:
        found.update(parse_script(script, folder / PROMPTS_DIR / SCRIPT_FILE))
    for artifact_id in slots:
        name = slot_file(artifact_id)
        if name and name != SCRIPT_FILE:
            text = _read_text(folder, name)
            if text is not None:
                found[artifact_id] = normalize_text(text)
    return found


def read_prompt_files(folder: Path, state: PromptState | None = None) -> dict[NodeId, str]:
    """The text of every slot currently on disk under ``prompts/`` (``state``: the folder's
    ``PromptState`` when the caller has read it already)."""
    if state is None:
        state = PromptState.load(folder)
    return _read_slots(folder, (parse_node_id(text_id) for text_id in state.generated))


def prompt_files_present(folder: Path) -> bool:
    """True when every slot the build last wrote still has its file (none was deleted) and
    ``.generated.json`` is readable."""
    state = PromptState.load(folder)
    if state.damaged:
        return False
    present = set(list_files(folder, PROMPTS_DIR, regular_only=True))
    names = {slot_file(parse_node_id(text_id)) for text_id in state.generated}
    return all(name in present for name in names if name)


def read_edits(folder: Path) -> dict[NodeId, str]:
    """Slots whose text on disk differs from what the build wrote: the user's overrides."""
    state = PromptState.load(folder)
    edits = {}
    for artifact_id, text in read_prompt_files(folder, state).items():
        written = state.generated.get(str(artifact_id))
        if written is not None and text != normalize_text(written):
            edits[artifact_id] = _checked_edit(folder, artifact_id, text)
    return edits


def _checked_edit(folder: Path, artifact_id: NodeId, text: str) -> str:
    name = slot_file(artifact_id) or ""
    what = f"{artifact_id}" if name == SCRIPT_FILE else "the text"
    return check_text(text, what, location=SourceLocation(folder / PROMPTS_DIR / name))


def write_prompt_files(
    folder: Path,
    graph: Graph,
    store: Store,
    outputs: Mapping[NodeId, str],
    inherited: Mapping[NodeId, str] | None = None,
) -> list[str]:
    """Write generated text into ``prompts/`` except where the user's edit pins a slot.
    ``inherited``: a variant's texts pinned by the folders it starts from, shown as generated.

    Returns notices: pinned slots whose generated value has changed since they were pinned, and
    a rebuilt ``.generated.json``.
    """
    remove_temp_files(folder, PROMPTS_DIR)
    state = PromptState.load(folder)
    previous, previous_pins = dict(state.generated), dict(state.pinned_from)
    generated: dict[NodeId, str] = {}
    for artifact_id, digest in outputs.items():
        artifact = graph.artifacts.get(artifact_id)
        if artifact is not None and artifact.kind == "text" and slot_file(artifact_id):
            blob = store.blobs.get_blob(digest)
            generated[artifact_id] = normalize_text(blob.decode("utf-8", errors="replace"))
    for artifact_id, text in (inherited or {}).items():
        # A variant shows what it inherits as its text; an edit of it here is its own.
        if artifact_id in generated:
            generated[artifact_id] = normalize_text(text)
    notices = []
    if state.damaged is None:
        edits = read_edits(folder)
    else:
        # Without the record, text on disk that differs from the generator's is kept as an edit.
        on_disk = _read_slots(folder, generated)
        edits = {a: t for a, t in on_disk.items() if a in generated and t != generated[a]}
        notices.append(
            f"prompts/{STATE_FILE} could not be read ({state.damaged}); rebuilt it, keeping "
            f"{len(edits)} file(s) that differ from the generated text as your edits"
        )
    script: dict[NodeId, str] = {}
    for artifact_id, text in sorted(generated.items()):
        key = str(artifact_id)
        if artifact_id in edits:
            base = state.pinned_from.setdefault(key, state.generated.get(key, text))
            if normalize_text(base) != text:
                notices.append(
                    f"{key} is pinned by your edit; the generator now proposes "
                    "something else (`moviebuild reset` takes the new text)"
                )
        else:
            state.pinned_from.pop(key, None)
        state.generated[key] = text
        name = slot_file(artifact_id)
        assert name is not None
        if name == SCRIPT_FILE:
            script[artifact_id] = edits.get(artifact_id, text)
            continue
        relative = _relative(name)
        if artifact_id not in edits and (
            previous.get(key) != text or not file_exists(folder, relative)
        ):
            write_file(folder, relative, (text + "\n").encode("utf-8"))
    if script:
        content = render_script(script).encode("utf-8")
        if read_file(folder, _relative(SCRIPT_FILE)) != content:
            write_file(folder, _relative(SCRIPT_FILE), content)
    if state.damaged or state.generated != previous or state.pinned_from != previous_pins:
        state.save(folder)
    return notices


def reset_slots(folder: Path, graph: Graph, target: str) -> list[str]:
    """Hand slots back to the generator: ``target`` is a prompts/ path or an artifact id.

    Returns the ids reset. The generated text last written replaces the edit on disk; your own
    media file in a slot is deleted (its bytes stay in the revisions that used it).
    """
    from moviebuild.project.own_media import remove_named_file, remove_slot_files, slot_files

    removed = remove_named_file(folder, target)
    if removed:
        return removed
    state = PromptState.load(folder)
    edits = read_edits(folder)
    media = slot_files(folder)
    relative = target.removeprefix("./").removeprefix(f"{PROMPTS_DIR}/")
    own: list[NodeId] = []
    if any(relative == slot_file(a) for a in edits) or target.endswith((".md", ".txt")):
        chosen = [a for a in edits if slot_file(a) == relative]
    else:
        node = parse_node_id(target)
        # An artifact id names one slot; a job id names every slot its job writes.
        wanted = (
            {node} if node in graph.artifacts else set(graph.resolve(node).produces)
        )
        chosen = [a for a in edits if a in wanted]
        own = [a for a in media if a in wanted]
        remove_slot_files(folder, own)
    write_slots(folder, {a: state.generated[str(a)] for a in chosen})
    for artifact_id in chosen:
        state.pinned_from.pop(str(artifact_id), None)
    state.save(folder)
    return [str(a) for a in (*chosen, *own)]


def write_slots(folder: Path, texts: Mapping[NodeId, str]) -> None:
    """Put ``texts`` into their slots under ``prompts/`` (script sections or files)."""
    script_texts = {a: t for a, t in texts.items() if slot_file(a) == SCRIPT_FILE}
    for artifact_id, text in texts.items():
        name = slot_file(artifact_id)
        if name and name != SCRIPT_FILE:
            write_file(folder, _relative(name), (normalize_text(text) + "\n").encode("utf-8"))
    if script_texts:
        existing = _read_text(folder, SCRIPT_FILE)
        script = (
            parse_script(existing, folder / PROMPTS_DIR / SCRIPT_FILE)
            if existing is not None
            else {}
        )
        script.update(script_texts)
        write_file(folder, _relative(SCRIPT_FILE), render_script(script).encode("utf-8"))


def pin_slots(folder: Path, texts: Mapping[NodeId, str]) -> None:
    """Keep ``texts`` (overrides given to a build) in their slots, as the user's edits."""
    current = read_prompt_files(folder)
    changed = {a: t for a, t in texts.items() if current.get(a, "").strip() != t.strip()}
    if changed:
        write_slots(folder, changed)
