"""The ``prompts/`` folder: generated text written for people to edit, and edits read back as
overrides.

Each slot (a text artifact) lives in a file or, for the script, a ``# Segment N`` section of
``script.md``. ``prompts/.generated.json`` remembers what the build last wrote for each slot; text
that differs from it (ignoring whitespace at the ends) is the user's edit and pins the slot.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from moviebuild.errors import ConfigError, SourceLocation
from moviebuild.graph import NodeId, parse_node_id

if TYPE_CHECKING:
    from moviebuild.project.movie import Movie
    from moviebuild.store import Store

PROMPTS_DIR = "prompts"
STATE_FILE = ".generated.json"
SCRIPT_FILE = "script.md"
_SINGLE_FILES = {
    "MusicPrompt": "music.txt",
    "TextToMovieDirectionPrompt": "video.txt",
    "ImageToMovieDirectionPrompt": "video.txt",
    "StartingImagePrompt": "starting-image.txt",
}


def slot_file(artifact_id: NodeId) -> str | None:
    """The file under ``prompts/`` holding a text artifact (script slots share script.md)."""
    if artifact_id.name in ("MovieTitle", "MovieSummary", "SegmentNarration"):
        return SCRIPT_FILE
    if artifact_id.name == "MusicPrompt":
        return "music.txt"
    if not artifact_id.index:
        return None
    segment = f"segment-{artifact_id.index[0]:02d}"
    if artifact_id.name == "SegmentImagePrompt":
        return f"{segment}/image-{artifact_id.index[1]}.txt"
    name = _SINGLE_FILES.get(artifact_id.name)
    return f"{segment}/{name}" if name else None


def _section_title(artifact_id: NodeId) -> str:
    if artifact_id.name == "MovieTitle":
        return "Title"
    if artifact_id.name == "MovieSummary":
        return "Summary"
    return f"Segment {artifact_id.index[0]}"


def render_script(values: Mapping[NodeId, str]) -> str:
    ordered = sorted(
        values, key=lambda a: (a.name != "MovieTitle", a.name != "MovieSummary", a.index)
    )
    parts = [f"# {_section_title(a)}\n\n{values[a].strip()}\n" for a in ordered]
    return "\n".join(parts)


def parse_script(text: str, path: Path | str) -> dict[NodeId, str]:
    """Sections of script.md; a line that looks like a broken marker is an error with file:line."""
    sections: dict[NodeId, list[str]] = {}
    current: NodeId | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#"):
            current = _marker(line, path, number)
            if current in sections:
                raise ConfigError(
                    f"section '{line.strip()}' appears twice",
                    location=SourceLocation(path, number, 1),
                    hint="keep one section per segment; merge the two texts",
                )
            sections[current] = []
            continue
        if current is None:
            if line.strip():
                raise ConfigError(
                    "text before the first section marker",
                    location=SourceLocation(path, number, 1),
                    hint="start the file with `# Title`",
                )
            continue
        sections[current].append(line)
    return {slot: "\n".join(lines).strip() for slot, lines in sections.items()}


def _marker(line: str, path: Path | str, number: int) -> NodeId:
    words = line.lstrip("#").split()
    if line.startswith("# ") and words == ["Title"]:
        return NodeId("MovieTitle")
    if line.startswith("# ") and words == ["Summary"]:
        return NodeId("MovieSummary")
    if line.startswith("# ") and len(words) == 2 and words[0] == "Segment" and words[1].isdigit():
        return NodeId("SegmentNarration", (int(words[1]),))
    raise ConfigError(
        f"'{line.strip()}' is not a section marker",
        location=SourceLocation(path, number, 1),
        hint="markers are `# Title`, `# Summary` and `# Segment N` on a line of their "
        "own; lines of narration must not start with #",
    )


@dataclass
class PromptState:
    """What the build last wrote per slot (``generated``) and what each pin started from."""

    generated: dict[str, str]
    pinned_from: dict[str, str]

    @classmethod
    def load(cls, folder: Path) -> PromptState:
        path = folder / PROMPTS_DIR / STATE_FILE
        if not path.is_file():
            return cls({}, {})
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(dict(data.get("generated", {})), dict(data.get("pinned_from", {})))

    def save(self, folder: Path) -> None:
        from moviebuild.project.folder import write_text_atomically

        path = folder / PROMPTS_DIR / STATE_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "format_version": 1,
            "generated": self.generated,
            "pinned_from": self.pinned_from,
        }
        # Whole or not at all: a server reads states while a build refreshes the folder.
        write_text_atomically(path, json.dumps(payload, indent=1, sort_keys=True) + "\n")


def read_prompt_files(folder: Path) -> dict[NodeId, str]:
    """The text of every slot currently on disk under ``prompts/``."""
    root = folder / PROMPTS_DIR
    found: dict[NodeId, str] = {}
    script = root / SCRIPT_FILE
    if script.is_file():
        found.update(parse_script(script.read_text(encoding="utf-8"), script))
    state = PromptState.load(folder)
    for text_id in state.generated:
        artifact_id = parse_node_id(text_id)
        name = slot_file(artifact_id)
        if name and name != SCRIPT_FILE and (root / name).is_file():
            found[artifact_id] = (root / name).read_text(encoding="utf-8").strip()
    return found


def prompt_files_present(folder: Path) -> bool:
    """True when every slot the build last wrote still has its file (none was deleted)."""
    root = folder / PROMPTS_DIR
    names = {slot_file(parse_node_id(text_id)) for text_id in PromptState.load(folder).generated}
    return all((root / name).is_file() for name in names if name)


def read_edits(folder: Path) -> dict[NodeId, str]:
    """Slots whose text on disk differs from what the build wrote: the user's overrides."""
    state = PromptState.load(folder)
    edits = {}
    for artifact_id, text in read_prompt_files(folder).items():
        written = state.generated.get(str(artifact_id))
        if written is not None and text.strip() != written.strip():
            edits[artifact_id] = text.strip()
    return edits


def write_prompt_files(movie: Movie, store: Store, outputs: Mapping[NodeId, str]) -> list[str]:
    """Write generated text into ``prompts/`` except where the user's edit pins a slot.

    Returns notices for pinned slots whose generated value has changed since they were pinned.
    """
    folder = movie.folder
    state = PromptState.load(folder)
    previous, previous_pins = dict(state.generated), dict(state.pinned_from)
    edits = read_edits(folder)
    generated: dict[NodeId, str] = {}
    for artifact_id, digest in outputs.items():
        artifact = movie.graph.artifacts.get(artifact_id)
        if artifact is not None and artifact.kind == "text" and slot_file(artifact_id):
            generated[artifact_id] = store.blobs.get_blob(digest).decode("utf-8").strip()
    notices = []
    root = folder / PROMPTS_DIR
    script: dict[NodeId, str] = {}
    for artifact_id, text in sorted(generated.items()):
        key = str(artifact_id)
        shown = edits.get(artifact_id, text)
        if artifact_id in edits:
            base = state.pinned_from.setdefault(key, state.generated.get(key, text))
            if base.strip() != text:
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
            script[artifact_id] = shown
            continue
        path = root / name
        if artifact_id not in edits and (previous.get(key) != text or not path.is_file()):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text + "\n", encoding="utf-8")
    script_path = root / SCRIPT_FILE
    if script:
        content = render_script(script)
        if not script_path.is_file() or script_path.read_text(encoding="utf-8") != content:
            root.mkdir(parents=True, exist_ok=True)
            script_path.write_text(content, encoding="utf-8")
    if state.generated != previous or state.pinned_from != previous_pins:
        state.save(folder)
    return notices


def reset_slots(movie: Movie, target: str) -> list[str]:
    """Hand slots back to the generator: ``target`` is a prompts/ path or an artifact id.

    Returns the ids reset. The generated text last written replaces the edit on disk.
    """
    state = PromptState.load(movie.folder)
    edits = read_edits(movie.folder)
    relative = target.removeprefix("./").removeprefix(f"{PROMPTS_DIR}/")
    if any(relative == slot_file(a) for a in edits) or target.endswith((".md", ".txt")):
        chosen = [a for a in edits if slot_file(a) == relative]
    else:
        node = parse_node_id(target)
        # An artifact id names one slot; a job id names every slot its job writes.
        wanted = (
            {node} if node in movie.graph.artifacts else set(movie.graph.resolve(node).produces)
        )
        chosen = [a for a in edits if a in wanted]
    write_slots(movie.folder, {a: state.generated[str(a)] for a in chosen})
    for artifact_id in chosen:
        state.pinned_from.pop(str(artifact_id), None)
    state.save(movie.folder)
    return [str(a) for a in chosen]


def write_slots(folder: Path, texts: Mapping[NodeId, str]) -> None:
    """Put ``texts`` into their slots under ``prompts/`` (script sections or files)."""
    root = folder / PROMPTS_DIR
    script_path = root / SCRIPT_FILE
    script_texts = {a: t for a, t in texts.items() if slot_file(a) == SCRIPT_FILE}
    for artifact_id, text in texts.items():
        name = slot_file(artifact_id)
        if name and name != SCRIPT_FILE:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text + "\n", encoding="utf-8")
    if script_texts:
        script = (
            parse_script(script_path.read_text(encoding="utf-8"), script_path)
            if (script_path.exists())
            else {}
        )
        script.update(script_texts)
        script_path.write_text(render_script(script), encoding="utf-8")


def pin_slots(folder: Path, texts: Mapping[NodeId, str]) -> None:
    """Keep ``texts`` (overrides given to a build) in their slots, as the user's edits."""
    current = read_prompt_files(folder)
    changed = {a: t for a, t in texts.items() if current.get(a, "").strip() != t.strip()}
    if changed:
        write_slots(folder, changed)
