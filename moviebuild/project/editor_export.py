"""``moviebuild export otio|fcpxml|edl``: the current revision's timeline as a file an editor opens
(DaVinci Resolve, Premiere, Final Cut, Kdenlive), its media referred to by relative path, and
its captions as SubRip beside it.

Without a bundle the file goes to ``out/movie.<ext>`` (or ``-o FILE``) and refers to the media
under ``out/``, which is refreshed first. With a bundle, the folder gets the file, the captions
and a copy of every medium, read from the store (``out/`` is not touched, so a server can export
while it builds). What each format keeps is in docs/export.md; the OTIO timeline itself is
built by timeline/editorial.py.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from moviebuild.errors import ConfigError, StoreError
from moviebuild.graph import NodeId
from moviebuild.graph.naming import out_file
from moviebuild.project.export import OUT_DIR, current_timeline, export_outputs
from moviebuild.project.folder import MovieFolder
from moviebuild.store import Store
from moviebuild.timeline import ImageClip, Timeline, VideoClip
from moviebuild.timeline.editorial import (
    MUSIC,
    NARRATION,
    PICTURES,
    CaptionPlace,
    build_edit,
    import_otio,
    srt_text,
)


@dataclass(frozen=True)
class EditFormat:
    name: str
    adapter: str
    suffix: str
    captions: CaptionPlace


FORMATS: Final = {
    "otio": EditFormat("otio", "otio_json", ".otio", "timeline"),
    "fcpxml": EditFormat("fcpxml", "fcpx_xml", ".fcpxml", "clips"),
    "edl": EditFormat("edl", "cmx_3600", ".edl", "clips"),
}


@dataclass(frozen=True)
class EditExport:
    """What an export wrote: the edit file, other files beside it (captions, the EDLs of the
    audio tracks), the media files (bundle only) and each track's clip count."""

    format: str
    path: Path
    revision: int | None
    files: tuple[Path, ...]
    media: tuple[Path, ...]
    clips: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "path": str(self.path),
            "revision": self.revision,
            "files": [str(path) for path in self.files],
            "media": [str(path) for path in self.media],
            "clips": self.clips,
        }


def edit_format(name: str) -> EditFormat:
    found = FORMATS.get(name)
    if found is None:
        raise ConfigError(
            f"unknown export format {name!r}", hint=f"use one of {', '.join(FORMATS)}"
        )
    return found


def export_edit(
    movie: MovieFolder,
    format_name: str,
    *,
    out_path: Path | None = None,
    bundle: Path | None = None,
) -> EditExport:
    """Write the current revision as ``format_name`` (otio, fcpxml, edl); see the module doc."""
    chosen = edit_format(format_name)
    import_otio()  # fail before touching anything when OpenTimelineIO is missing
    if not movie.store_exists():
        raise StoreError(f"{movie.folder} has not been built yet", hint="run `moviebuild` first")
    with movie.open_store() as store:
        outputs, timeline = current_timeline(movie, store)
        places = {str(a): path for a in outputs if (path := out_file(a)) and a.name != "Timeline"}
        revision = store.read_head()
        if bundle is not None:
            bundle.mkdir(parents=True, exist_ok=True)
            target = bundle / (out_path.name if out_path else f"movie{chosen.suffix}")
            media_root = bundle
            copied = _copy_media(store, outputs, places, timeline, bundle)
        else:
            export_outputs(movie, store)
            target = out_path or movie.folder / OUT_DIR / f"movie{chosen.suffix}"
            media_root = movie.folder / OUT_DIR
            copied = ()
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    used = _used_assets(timeline)
    media = {
        asset: Path(os.path.relpath(media_root / places[asset], target.parent)).as_posix()
        for asset in used if asset in places
    }
    lengths = _source_lengths(timeline, {a: media_root / places[a] for a in used if a in places})
    edit = build_edit(timeline, media, source_durations_s=lengths, captions=chosen.captions)
    files = _write(chosen, edit, timeline, target)
    return EditExport(
        format=chosen.name,
        path=target,
        revision=revision,
        files=files,
        media=copied,
        clips={track.name: sum(1 for item in track if type(item).__name__ == "Clip")
               for track in edit.tracks},
    )


def _used_assets(timeline: Timeline) -> list[str]:
    tracks = timeline.tracks
    return [clip.asset for clip in (*tracks.visual, *tracks.narration, *tracks.music)]


def _copy_media(
    store: Store,
    outputs: dict[NodeId, str],
    places: dict[str, str],
    timeline: Timeline,
    bundle: Path,
) -> tuple[Path, ...]:
    used = set(_used_assets(timeline))
    copied = []
    for artifact_id, digest in sorted(outputs.items()):
        asset = str(artifact_id)
        if asset not in used or asset not in places:
            continue
        destination = bundle / places[asset]
        destination.parent.mkdir(parents=True, exist_ok=True)
        source = store.blobs.local_blob_path(digest)
        if source is not None:
            shutil.copyfile(source, destination)
        else:
            _write_bytes(destination, store.blobs.get_blob(digest))
        copied.append(destination)
    return tuple(copied)


def _source_lengths(timeline: Timeline, paths: dict[str, Path]) -> dict[str, float]:
    """The real lengths of the audio and video files (images have none)."""
    from moviebuild.errors import MediaError
    from moviebuild.media.ffmpeg import media_duration_s

    stills = {clip.asset for clip in timeline.tracks.visual if isinstance(clip, ImageClip)}
    lengths = {}
    for asset, path in paths.items():
        if asset in stills:
            continue
        try:
            lengths[asset] = media_duration_s(path)
        except MediaError:
            continue  # unreadable: its clips use what the timeline says they use
    return lengths


def _write(chosen: EditFormat, edit: Any, timeline: Timeline, target: Path) -> tuple[Path, ...]:
    otio = import_otio()
    written = [target]
    if chosen.name == "otio":
        text = otio.adapters.write_to_string(edit, adapter_name=chosen.adapter)
    elif chosen.name == "fcpxml":
        text = _fcpxml(otio, edit, timeline)
    else:
        text = otio.adapters.write_to_string(edit, adapter_name=chosen.adapter)
        # CMX 3600 holds one picture track: the narration and the music get an EDL each.
        for track in edit.tracks:
            if track.name in (NARRATION, MUSIC) and any(True for _ in track):
                beside = target.with_name(f"{target.stem}-{track.name.lower()}.edl")
                _write_bytes(beside, _audio_edl(otio, edit, track).encode("utf-8"))
                written.append(beside)
    _write_bytes(target, text.encode("utf-8"))
    if timeline.tracks.captions and timeline.caption_style.enabled:
        captions = target.with_suffix(".srt")
        _write_bytes(captions, srt_text(timeline).encode("utf-8"))
        written.append(captions)
    return tuple(written)


def _fcpxml(otio: Any, edit: Any, timeline: Timeline) -> str:
    from moviebuild.timeline.fcpxml_motion import add_motion

    text: str = otio.adapters.write_to_string(edit, adapter_name="fcpx_xml")
    pictures = next(track for track in edit.tracks if track.name == PICTURES)
    images: dict[str, ImageClip] = {}
    speeds: dict[str, float] = {}
    holds: dict[str, int] = {}
    by_asset = {clip.asset: clip for clip in timeline.tracks.visual}
    for item in pictures:
        asset = item.metadata.get("moviebuild", {}).get("asset")
        clip = by_asset.get(asset) if isinstance(asset, str) else None
        if isinstance(clip, ImageClip):
            images[item.name] = clip
        elif isinstance(clip, VideoClip):
            if item.name.endswith("(held)"):
                holds[item.name] = item.source_range.start_time.to_frames()
            elif clip.playback_rate != 1.0:
                speeds[item.name] = clip.playback_rate
    music_by_asset = {clip.asset: clip for clip in timeline.tracks.music}
    music_track = next(track for track in edit.tracks if track.name == MUSIC)
    music = {
        item.name: music_by_asset[item.metadata["moviebuild"]["asset"]]
        for item in music_track if type(item).__name__ == "Clip"
    }
    return add_motion(text, timeline, images=images, speeds=speeds, holds=holds, music=music)


def _audio_edl(otio: Any, edit: Any, track: Any) -> str:
    """One audio track as its own EDL, through the adapter's writer."""
    from otio_cmx3600_adapter.cmx_3600 import EDLWriter

    alone = otio.schema.Timeline(name=f"{edit.name} - {track.name}")
    alone.tracks.append(track.deepcopy())
    writer = EDLWriter(tracks=alone.tracks, rate=edit.tracks[0].duration().rate, style="avid")
    text: str = writer.get_content_for_track_at_index(0, title=alone.name)
    return text


def _write_bytes(path: Path, data: bytes) -> None:
    """Write through a scratch file in the same folder, so a reader never sees half a file."""
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as f:
        f.write(data)
    os.replace(f.name, path)

