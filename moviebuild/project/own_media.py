"""Your own media in a slot: an image, a clip, a narration or a music track under ``prompts/``
(``prompts/segment-03/image-2.png``, ``prompts/segment-02/video.mp4``,
``prompts/segment-01/narration.mp3``, ``prompts/music.mp3``) pins that artifact as an edited text
pins a text: the build uses the file's bytes and does not run the slot's producer.

It owns the media slots' file names, reading and verifying those files (decoded and checked as a
provider's output is: size cap, a real image/audio/video of the slot's kind, converted to the
store's PNG/MP3/MP4), placing a given file in its slot, and removing it to hand the slot back. It
does not plan or record anything (movie.py and build.py do).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from moviebuild.errors import (
    ConfigError,
    GraphError,
    MediaError,
    SourceLocation,
    StoreError,
    did_you_mean,
)
from moviebuild.graph import NodeId, parse_node_id
from moviebuild.graph.naming import artifacts_at, kind_of, prompts_file
from moviebuild.project.folder_files import (
    file_exists,
    list_files,
    read_file,
    remove_file,
    write_file,
)

if TYPE_CHECKING:
    from moviebuild.graph import Graph
    from moviebuild.providers.http import MediaKind

PROMPTS_DIR = "prompts"
#: Verified files by the SHA-256 of the file given, under the movie folder.
CACHE_DIR = ".moviebuild/cache/own-media"

#: The file types your own media may have, by kind; the blueprint names each slot's file (its
#: extension is the store's format, the one written when a file is given in another).
_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image": ("png", "jpg", "jpeg", "webp"),
    "video": ("mp4", "mov", "webm"),
    "audio": ("mp3", "wav"),
}
_ALL_EXTENSIONS = frozenset(e for exts in _EXTENSIONS.values() for e in exts)
#: Verified files by the SHA-256 of their bytes, the most recent first out: a status or a plan
#: decodes each file once, however often it asks; bounded, as a server lives long.
_VERIFIED: OrderedDict[str, bytes] = OrderedDict()
_VERIFIED_MAX_BYTES = 256 << 20


@dataclass(frozen=True)
class OwnMedia:
    """A media file pinning ``artifact``: where it came from (``prompts/...`` or the path given)
    and its verified bytes in the store's format; ``original``: the bytes as given (a file given
    to a build is kept under ``prompts/`` as it was)."""

    artifact: NodeId
    source: str
    data: bytes
    original: bytes | None = None


def media_kind(artifact_id: NodeId) -> MediaKind | None:
    """The kind of media a slot takes; None when the artifact is not a media slot."""
    kind = kind_of(artifact_id)
    if kind not in _EXTENSIONS or prompts_file(artifact_id) is None:
        return None
    return cast("MediaKind", kind)


def slot_stem(artifact_id: NodeId) -> str | None:
    """The file under ``prompts/`` without its extension (``segment-03/image-2``)."""
    name = prompts_file(artifact_id) if media_kind(artifact_id) else None
    return None if name is None else name.rpartition(".")[0] or name


def extensions(artifact_id: NodeId) -> tuple[str, ...]:
    kind = media_kind(artifact_id)
    return _EXTENSIONS[kind] if kind else ()


def _slot_of_stem(stem: str) -> NodeId | None:
    """The artifact a file stem names (``segment-03/image-2`` -> ``SegmentImage[3][2]``)."""
    found = [a for a in artifacts_at(stem, "prompts", any_extension=True) if media_kind(a)]
    return found[0] if len(found) == 1 else None


def slot_files(folder: Path) -> dict[NodeId, list[str]]:
    """Every media file under ``prompts/`` by the slot its name places it in (paths relative to
    the movie folder). A media file named after no slot, or with the wrong kind of extension for
    its slot, is a ConfigError naming it."""
    found: dict[NodeId, list[str]] = {}
    for relative in list_files(folder, PROMPTS_DIR):
        stem, dot, ext = relative.rpartition(".")
        ext = ext.lower()
        if not dot or ext not in _ALL_EXTENSIONS:
            continue
        artifact_id = _slot_of_stem(stem)
        path = f"{PROMPTS_DIR}/{relative}"
        if not file_exists(folder, path):
            raise ConfigError(
                f"{folder / path} is a symbolic link (or not a regular file); moviebuild never "
                "reads through a link under prompts/",
                hint="copy the file there instead of linking it",
            )
        if artifact_id is None:
            raise ConfigError(
                f"{folder / path}: a media file named after no slot",
                hint="name it after its slot: prompts/segment-03/image-2.png, "
                "prompts/segment-02/video.mp4, prompts/segment-01/narration.mp3, "
                "prompts/music.mp3 (or move it out of prompts/)",
            )
        if ext not in extensions(artifact_id):
            kind = media_kind(artifact_id)
            raise ConfigError(
                f"{folder / path}: {artifact_id} takes {_a(kind)} {kind}, and .{ext} is not one",
                hint=f"give it as {', '.join('.' + e for e in extensions(artifact_id))}",
            )
        found.setdefault(artifact_id, []).append(path)
    return found


def _a(kind: str | None) -> str:
    return "an" if kind in ("image", "audio") else "a"


def read_own_media(folder: Path, graph: Graph) -> dict[NodeId, OwnMedia]:
    """The verified media pinning slots of ``graph`` from files under ``prompts/``. A file for
    a slot the movie does not have is an error: a picture silently unused is worse."""
    found = {}
    for artifact_id, paths in slot_files(folder).items():
        if artifact_id not in graph.artifacts:
            raise ConfigError(
                f"{folder / paths[0]}: this movie has no {artifact_id}, so the file is unused",
                hint="delete it or move it out of prompts/, or change the Moviefile so the "
                "slot exists (segments, images_per_segment, use_video, music)",
            )
        if len(paths) > 1:
            raise ConfigError(
                f"{artifact_id} has {len(paths)} files: {', '.join(paths)}",
                location=SourceLocation(folder / paths[0]),
                hint="keep one of them and delete the others",
            )
        data = _read_capped(folder, paths[0], media_kind(artifact_id))
        verified = verify(data, artifact_id, paths[0], folder)
        found[artifact_id] = OwnMedia(artifact_id, paths[0], verified)
    return found


def _read_capped(folder: Path, relative: str, kind: MediaKind | None) -> bytes:
    from moviebuild.providers.http import MAX_DOWNLOAD_BYTES

    cap = MAX_DOWNLOAD_BYTES[kind or "image"]
    data = read_file(folder, relative, max_bytes=cap)
    if data is None:
        raise ConfigError(f"{folder / relative} disappeared while it was read; run again")
    if len(data) > cap:
        raise too_large(str(folder / relative), kind, cap)
    return data


def too_large(where: str, kind: MediaKind | None, cap: int) -> ConfigError:
    return ConfigError(
        f"{where}: the file is larger than {cap >> 20} MB, the most moviebuild takes for "
        f"{_a(kind)} {kind}",
        hint="make it smaller (lower resolution or bitrate) and put it back",
    )


def verify(data: bytes, artifact_id: NodeId, where: str, folder: Path | None = None) -> bytes:
    """``data`` decoded and checked as the slot's kind, in the store's format; a ConfigError
    naming ``where`` when it is not a usable file of that kind. With the movie ``folder``, the
    result is kept under ``.moviebuild/cache/own-media`` so later commands skip the decoding
    (a WAV's conversion takes seconds)."""
    from moviebuild.providers.media_format import verified_media

    kind = media_kind(artifact_id)
    assert kind is not None
    digest = hashlib.sha256(data).hexdigest()
    cached = _VERIFIED.get(digest)
    if cached is not None:
        _VERIFIED.move_to_end(digest)
        return cached
    cache_name = f"{CACHE_DIR}/{digest}.{_store_extension(artifact_id)}"
    if folder is not None:
        with contextlib.suppress(ConfigError, StoreError):
            stored = read_file(folder, cache_name)
            if stored:
                return _remember(digest, stored)
    try:
        if kind == "image" and not data.startswith(_IMAGE_MAGIC) and data[8:12] != b"WEBP":
            raise MediaError(f"it is not a PNG, JPEG or WebP image ({_looks_like(data)})")
        verified = verified_media(data, kind)
    except MediaError as exc:
        raise ConfigError(
            f"{where}: not a usable {kind} for {artifact_id}: {exc.message}",
            hint=f"give a real {kind} file ({', '.join(extensions(artifact_id))}), or delete "
            "it to let the generator make this one",
        ) from None
    if folder is not None:
        # A cache that cannot be written (a read-only folder) only costs the next decoding.
        with contextlib.suppress(ConfigError, StoreError):
            write_file(folder, cache_name, verified)
    return _remember(digest, verified)


def _remember(digest: str, verified: bytes) -> bytes:
    _VERIFIED[digest] = verified
    while sum(len(v) for v in _VERIFIED.values()) > _VERIFIED_MAX_BYTES and len(_VERIFIED) > 1:
        _VERIFIED.popitem(last=False)
    return verified


_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


def _looks_like(data: bytes) -> str:
    if not data:
        return "the file is empty"
    try:
        text = data[:200].decode("utf-8")
    except UnicodeDecodeError:
        return f"it starts with the bytes {data[:8].hex(' ')}"
    return f"it holds text: {text.strip()[:40]!r}"


def media_artifact(graph: Graph, text_id: str) -> NodeId:
    """The media slot ``text_id`` names in ``graph``; a GraphError listing the slots if none."""
    try:
        artifact_id = parse_node_id(text_id)
    except GraphError:
        artifact_id = None
    if artifact_id is None or artifact_id not in graph.artifacts or not media_kind(artifact_id):
        names = [str(a) for a in graph.artifacts if media_kind(a)]
        raise GraphError(
            f"{text_id} is not a media slot of this movie, so no file can be put there",
            hint=did_you_mean(text_id, names)
            or "media slots: SegmentImage[N][M], StartingImage[N], SegmentVideo[N], "
            "SegmentAudio[N], MusicTrack",
        )
    return artifact_id


def read_given_file(artifact_id: NodeId, value: Path | str | bytes) -> OwnMedia:
    """A file given for a slot (a path, or bytes from an upload), verified."""
    kind = media_kind(artifact_id)
    assert kind is not None
    from moviebuild.providers.http import MAX_DOWNLOAD_BYTES

    cap = MAX_DOWNLOAD_BYTES[kind]
    if isinstance(value, bytes):
        where, data, ext = f"the file given for {artifact_id}", value, None
    else:
        path = Path(value)
        where, ext = str(path), path.suffix.lstrip(".").lower()
        try:
            with path.open("rb") as handle:
                data = handle.read(cap + 1)
        except OSError as exc:
            raise ConfigError(
                f"{path}: cannot read the file for {artifact_id}: {exc.strerror or exc}",
                hint="check the path",
            ) from None
        if ext not in extensions(artifact_id):
            raise ConfigError(
                f"{path}: {artifact_id} takes {_a(kind)} {kind}, and .{ext} is not one",
                hint=f"give it as {', '.join('.' + e for e in extensions(artifact_id))}",
            )
    if len(data) > cap:
        raise too_large(where, kind, cap)
    return OwnMedia(artifact_id, where, verify(data, artifact_id, where), data if ext else None)


def slot_path(media: OwnMedia) -> tuple[str, bytes]:
    """Where ``place_file`` keeps ``media`` (relative to the movie folder) and the bytes it
    writes: the original with its own extension when known, else the verified ones."""
    stem = slot_stem(media.artifact)
    assert stem is not None
    original = media.original
    ext = Path(media.source).suffix.lstrip(".").lower() if original is not None else ""
    if original is None or ext not in extensions(media.artifact):
        return f"{PROMPTS_DIR}/{stem}.{_store_extension(media.artifact)}", media.data
    return f"{PROMPTS_DIR}/{stem}.{ext}", original


def place_file(folder: Path, media: OwnMedia) -> str:
    """Put ``media`` in its slot under ``prompts/``, replacing any other file of that slot;
    returns the path written."""
    relative, data = slot_path(media)
    for existing in slot_files(folder).get(media.artifact, []):
        if existing != relative:
            remove_file(folder, existing)
    write_file(folder, relative, data)
    return relative


def _store_extension(artifact_id: NodeId) -> str:
    return (prompts_file(artifact_id) or ".png").rpartition(".")[2]


def remove_named_file(folder: Path, target: str) -> list[str]:
    """Delete ``target`` (``prompts/segment-03/image-2.png``) when it is a media file named after
    a slot; the artifact ids reset, or empty. It does not open the movie, so a broken file can
    be reset even though the movie does not open while it is there."""
    relative = target.removeprefix("./")
    if not relative.startswith(f"{PROMPTS_DIR}/"):
        relative = f"{PROMPTS_DIR}/{relative}"
    stem, dot, ext = relative.removeprefix(f"{PROMPTS_DIR}/").rpartition(".")
    artifact_id = _slot_of_stem(stem) if dot and ext.lower() in _ALL_EXTENSIONS else None
    if artifact_id is None or read_file(folder, relative, max_bytes=0) is None:
        return []
    remove_file(folder, relative)
    return [str(artifact_id)]


def remove_slot_files(folder: Path, artifact_ids: Iterable[NodeId]) -> list[str]:
    """Delete the files pinning ``artifact_ids`` (the slots go back to their generators);
    returns the paths removed. The bytes stay in the store's revisions."""
    files = slot_files(folder)
    removed = []
    for artifact_id in artifact_ids:
        for relative in files.get(artifact_id, []):
            remove_file(folder, relative)
            removed.append(relative)
    return removed
