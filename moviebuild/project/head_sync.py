"""A movie folder kept at its store's HEAD. When the store is not in the folder (``store:
s3://...``), builds on other machines move HEAD without touching this folder, so before a build
or a state read uses the folder's Moviefile and ``prompts/``, ``follow_head`` brings them (and
``out/``) to HEAD. It never takes the lock and never writes HEAD: it only reads the store.

The folder remembers the revision it holds in ``.moviebuild/cache/folder.json``, and whether it is
only a cache of the store (a server's or a worker's folder, which may always be overwritten) or a
person's folder (whose edits are never overwritten: a conflict is an error saying what to do).
It does not decide when to build; project/build.py calls it under the lock.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from moviebuild.engine.keys import content_digest
from moviebuild.errors import ConfigError
from moviebuild.project.folder import MovieFolder, Snapshot
from moviebuild.project.folder_files import read_file, write_file
from moviebuild.project.records import RevisionRecord, read_revision
from moviebuild.store import Store

FOLDER_RECORD = ".moviebuild/cache/folder.json"
_FORMAT_VERSION = 1


def held_revision(folder: Path) -> tuple[int | None, bool]:
    """The revision the movie folder was last brought to (None: not recorded) and whether the
    folder is a cache of its store."""
    raw = read_file(folder, FOLDER_RECORD)
    try:
        document: Any = json.loads(raw) if raw is not None else {}
    except ValueError:
        document = {}  # only a cache: a damaged one is rebuilt by the next refresh
    if not isinstance(document, dict) or document.get("format_version") != _FORMAT_VERSION:
        return None, False
    revision = document.get("revision")
    held = revision if type(revision) is int and revision >= 1 else None
    return held, document.get("cache") is True


def note_held_revision(folder: Path, revision: int | None, *, cache: bool | None = None) -> None:
    """Record that the movie folder now holds ``revision`` (``cache``: mark the folder a cache
    of its store, or not; None keeps what was recorded)."""
    if cache is None:
        cache = held_revision(folder)[1]
    document = {"format_version": _FORMAT_VERSION, "revision": revision, "cache": cache}
    write_file(folder, FOLDER_RECORD, json.dumps(document).encode("utf-8"))


def follow_head(movie: MovieFolder, store: Store, head: int | None) -> bool:
    """Bring the folder to revision ``head`` (the store's HEAD, read by the caller) when it holds
    another one; True when the folder changed. This is where every build on a store that is not
    in the folder starts from the store's HEAD, not from what this machine last saw.

    A cache folder is overwritten. A person's folder is brought to HEAD only when it holds no
    edit since the revision it was last brought to; with edits, ``ConfigError`` says what to do
    (building them would silently undo what was built elsewhere).
    """
    if store.is_local or head is None:
        return False
    held, cache = held_revision(movie.folder)
    if held == head:
        return False
    if not cache:
        if held is None:
            return False  # a folder written before revisions were recorded: left as it is
        edits = edits_since(movie, read_revision(store, held))
        if edits:
            raise ConfigError(
                f"revision r{head} was built elsewhere after this folder's r{held}, and the "
                f"folder holds edits made on r{held}: {', '.join(edits)}",
                hint=f"keep a copy of your edits, run `moviebuild checkout --force r{head}`, "
                "then make them again and build",
            )
    write_revision_to_folder(movie, store, head)
    note_held_revision(movie.folder, head)
    return True


def edits_since(movie: MovieFolder, record: RevisionRecord) -> list[str]:
    """The folder's inputs (Moviefile fields, prompt edits) that differ from ``record``'s."""
    return snapshot_differences(movie.read_snapshot(), record)


def snapshot_differences(snapshot: Snapshot, record: RevisionRecord) -> list[str]:
    """What in ``snapshot`` (Moviefile fields, prompt edits, your own files) differs from the
    inputs ``record`` was built from, a line each."""
    fields = snapshot.moviefile.model_dump(mode="json")
    # Compared by digest: a text edit and your own media file alike.
    texts = {a: content_digest(v) for a, v in snapshot.overrides.items()}
    found = [
        f"Moviefile {name}"
        for name in sorted(set(fields) | set(record.moviefile))
        if fields.get(name) != record.moviefile.get(name)
    ]
    built = {a: o.digest for a, o in record.overrides.items()}
    found += [
        f"{'your file for' if artifact_id in snapshot.media else 'edit of'} {artifact_id}"
        for artifact_id in sorted(set(texts) | set(built))
        if texts.get(artifact_id) != built.get(artifact_id)
    ]
    return found


def write_revision_to_folder(movie: MovieFolder, store: Store, rev: int) -> None:
    """The Moviefile, the prompt edits, ``prompts/`` and ``out/`` as revision ``rev`` was built;
    reads the store only (no lock, HEAD unchanged). ``out/`` follows HEAD, which callers have
    just read or written as ``rev``."""
    from moviebuild.config.load import MOVIEFILE_NAME
    from moviebuild.graph import NodeId
    from moviebuild.project.export import export_outputs
    from moviebuild.project.prompts import PromptState, write_prompt_files, write_slots

    record = read_revision(store, rev)
    if record.moviefile_text:
        write_file(movie.folder, MOVIEFILE_NAME, record.moviefile_text.encode("utf-8"))
    PromptState({}, {}).save(movie.folder)
    # Before the snapshot is read: a file of yours for a slot the revision lacks would refuse it.
    _restore_own_media(movie, store, record)
    restored = movie.read_snapshot()
    outputs = {a: d for a, d in record.outputs().items() if a in restored.graph.artifacts}
    write_prompt_files(movie.folder, movie.graph, store, outputs, movie.inherited_texts)
    edits: dict[NodeId, str] = {
        a: o.text
        for a, o in record.overrides.items()
        if o.file is None and (a.name != "MusicPrompt" or not restored.moviefile.music_prompt)
    }
    write_slots(movie.folder, edits)
    movie.read_snapshot()
    export_outputs(movie, store)


def _restore_own_media(movie: MovieFolder, store: Store, record: RevisionRecord) -> None:
    """Your own media files under ``prompts/`` as ``record`` used them (from the store)."""
    from moviebuild.project.own_media import OwnMedia, place_file, remove_slot_files, slot_files

    own = {a: o for a, o in record.overrides.items() if o.file is not None}
    remove_slot_files(movie.folder, [a for a in slot_files(movie.folder) if a not in own])
    for artifact_id, override in own.items():
        data = store.blobs.get_blob(override.digest)
        place_file(movie.folder, OwnMedia(artifact_id, override.file or "", data))
