"""``out/``: the current revision's media for people (``segment-03/image-2.png``), ``timeline.json``
and ``assets.json`` (the asset map: asset id -> path relative to ``out/``).

Files are hard links into a local store when possible, else copies. ``out/`` is rebuilt from the
revision each time, so it never holds media of another revision.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from moviebuild.graph import NodeId, parse_node_id
from moviebuild.project.movie import Movie
from moviebuild.store import Store

OUT_DIR = "out"
_MEDIA_NAMES = {
    "SegmentAudio": "narration.mp3",
    "SegmentVideo": "video.mp4",
    "StartingImage": "starting-image.png",
}


def human_path(artifact_id: NodeId) -> str | None:
    """Where an artifact appears under ``out/``; None for text (that lives in ``prompts/``)."""
    if artifact_id.name == "MusicTrack":
        return "music.mp3"
    if artifact_id.name == "Timeline":
        return "timeline.json"
    if not artifact_id.index:
        return None
    segment = f"segment-{artifact_id.index[0]:02d}"
    if artifact_id.name == "SegmentImage":
        return f"{segment}/image-{artifact_id.index[1]}.png"
    name = _MEDIA_NAMES.get(artifact_id.name)
    return f"{segment}/{name}" if name else None


def current_outputs(movie: Movie, store: Store) -> dict[NodeId, str]:
    """Artifact id -> digest for the current revision (HEAD)."""
    from moviebuild.project.results import StoreResults

    lookup = StoreResults(store)
    outputs: dict[NodeId, str] = {}
    for record in lookup.records.values():
        for name, digest in record.outputs.items():
            outputs[parse_node_id(name)] = digest
    return outputs


@dataclass(frozen=True)
class Export:
    """What a refresh of the movie folder left: the timeline's path, and notices about slots
    pinned by an edit whose generated value has since changed."""

    timeline: Path | None
    notices: tuple[str, ...] = ()


def export_outputs(movie: Movie) -> Export:
    """Refresh ``out/`` and ``prompts/`` from the current revision."""
    if not movie.store_exists():
        return Export(None)
    store = movie.open_store()
    out = movie.folder / OUT_DIR
    with store:
        outputs = current_outputs(movie, store)
        if not outputs:
            return Export(None)
        from moviebuild.project.prompts import prompt_files_present, write_prompt_files

        marker = json.dumps(sorted((str(a), d) for a, d in outputs.items()))
        unchanged = _marker_matches(out, marker, outputs)
        if not unchanged:
            _write_media(store, out, outputs)
        notices: list[str] = []
        # The marker is written last, so it vouches for out/ and prompts/ both.
        if not (unchanged and prompt_files_present(movie.folder)):
            notices = write_prompt_files(movie, store, outputs)
        if not unchanged:
            (out / MARKER).write_text(marker, encoding="utf-8")
    timeline = out / "timeline.json"
    return Export(timeline if timeline.exists() else None, tuple(notices))


def _marker_matches(out: Path, marker: str, outputs: Mapping[NodeId, str]) -> bool:
    """True when ``out/`` was last written for exactly these outputs and nothing is missing."""
    path = out / MARKER
    if not path.is_file() or path.read_text(encoding="utf-8") != marker:
        return False
    names = [human_path(a) for a in outputs]
    return all((out / name).is_file() for name in names if name)


def _write_media(store: Store, out: Path, outputs: Mapping[NodeId, str]) -> None:
    wanted: dict[str, str] = {}
    for artifact_id, digest in outputs.items():
        path = human_path(artifact_id)
        if path:
            wanted[path] = digest
    out.mkdir(parents=True, exist_ok=True)
    for existing in sorted(out.rglob("*"), reverse=True):
        relative = existing.relative_to(out).as_posix()
        if existing.is_file() and relative not in wanted and relative not in _KEEP:
            existing.unlink()
        elif existing.is_dir() and relative.startswith("segment-") and not any(existing.iterdir()):
            existing.rmdir()
    assets: dict[str, str] = {}
    for relative, digest in sorted(wanted.items()):
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        _place(store, digest, target)
    for artifact_id in outputs:
        path = human_path(artifact_id)
        if path and artifact_id.name != "Timeline":
            assets[str(artifact_id)] = path
    from moviebuild.timeline import AssetMap, dump_asset_map

    (out / "assets.json").write_bytes(dump_asset_map(AssetMap(assets=assets)))


MARKER = ".outputs.json"
_KEEP = {"assets.json", "preview.mp4", "movie.mp4", MARKER}


def _place(store: Store, digest: str, target: Path) -> None:
    """Make ``target`` hold the blob: a hard link into a local store, else a copy."""
    if not store.is_local and store.blobs.holds_copy(target, digest):
        return  # already there: a remote store need not send it again
    source = store.blobs.local_blob_path(digest)
    if target.exists():
        if source is not None and target.samefile(source):
            return
        target.unlink()
    if source is not None:
        try:
            os.link(source, target)
            return
        except OSError:
            shutil.copyfile(source, target)
            return
    target.write_bytes(store.blobs.get_blob(digest))
