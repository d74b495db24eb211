"""``out/``: the current revision's media for people (``segment-03/image-2.png``), ``timeline.json``
and ``assets.json`` (the asset map: asset id -> path relative to ``out/``).

Files are copies of the blobs (copy-on-write clones where the file system has them), never hard
links, written through folder_files.py (atomic, never through a link): editing a file in ``out/``
cannot change the store, and the next build (or ``fsck --repair``) puts the revision's file back.
Each build checks ``out/`` with one stat per file against a memo of files found intact.
``out/`` is rebuilt from the revision each time, so it never holds media of another revision; a
stray link inside it is removed, not followed.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from moviebuild.errors import StoreError
from moviebuild.graph import NodeId
from moviebuild.graph.naming import out_file
from moviebuild.project.folder import MovieFolder
from moviebuild.project.folder_files import (
    copy_file,
    file_exists,
    list_files,
    read_file,
    remove_empty_dir,
    remove_file,
    write_file,
)
from moviebuild.store import Store
from moviebuild.store.cache import VerifiedFiles, hash_file

if TYPE_CHECKING:
    from moviebuild.timeline.model import Timeline

OUT_DIR = "out"
def current_outputs(movie: MovieFolder, store: Store) -> dict[NodeId, str]:
    """Artifact id -> digest for the current revision (HEAD)."""
    from moviebuild.project.results import StoreResults

    return StoreResults(store).current_outputs()


def current_timeline(movie: MovieFolder, store: Store) -> tuple[dict[NodeId, str], Timeline]:
    """The current revision's outputs and its timeline; StoreError when it has no timeline."""
    from moviebuild.timeline.model import load_timeline

    outputs = current_outputs(movie, store)
    timeline_digest = outputs.get(NodeId("Timeline"))
    if timeline_digest is None:
        raise StoreError(
            "the current revision has no timeline",
            hint="run `moviebuild` until the TimelineAssembler succeeds",
        )
    return outputs, load_timeline(store.blobs.get_blob(timeline_digest))


@dataclass(frozen=True)
class Export:
    """What a refresh of the movie folder left: the timeline's path, and notices (slots pinned by
    an edit whose generated value has since changed, bookkeeping files rebuilt after damage)."""

    timeline: Path | None
    notices: tuple[str, ...] = ()


def export_outputs(
    movie: MovieFolder,
    store: Store | None = None,
    *,
    outputs: Mapping[NodeId, str] | None = None,
) -> Export:
    """Refresh ``out/`` and ``prompts/`` from the current revision (of ``store`` when given,
    which the caller keeps open). ``outputs``: the current revision's, when the caller holds
    them already (a build that wrote no revision), so its record is not read again."""
    if store is None:
        if not movie.store_exists():
            return Export(None)
        with movie.open_store() as opened:
            return export_outputs(movie, opened, outputs=outputs)
    folder = movie.folder
    if outputs is None:
        outputs = current_outputs(movie, store)
    if not outputs:
        return Export(None)
    from moviebuild.project.prompts import prompt_files_present, write_prompt_files

    marker = json.dumps(sorted((str(a), d) for a, d in outputs.items())).encode("utf-8")
    written = read_file(folder, _MARKER_PATH)
    notices: list[str] = []
    if written is not None and not _readable_marker(written):
        notices.append(f"{_MARKER_PATH} could not be read; rebuilt {OUT_DIR}/")
    verified = VerifiedFiles(str(folder / _VERIFIED_MEMO), names_hold_digest=False)
    differing = _differing_files(folder, outputs, verified)
    unchanged = written == marker and _all_present(folder, outputs) and not differing
    if not unchanged:
        _write_media(store, folder, outputs, verified)
        if written == marker:
            notices.extend(
                f"{OUT_DIR}/{relative} was changed outside moviebuild; put back the current "
                "revision's file (to use your own media, edit a copy)"
                for relative in differing
            )
    verified.save()
    # The marker is written last, so it vouches for out/ and prompts/ both.
    if not (unchanged and prompt_files_present(folder)):
        notices.extend(
            write_prompt_files(movie.folder, movie.graph, store, outputs, movie.inherited_texts)
        )
    if not unchanged:
        write_file(folder, _MARKER_PATH, marker)
    timeline = folder / OUT_DIR / "timeline.json"
    return Export(
        timeline if file_exists(folder, f"{OUT_DIR}/timeline.json") else None, tuple(notices)
    )


def _readable_marker(data: bytes) -> bool:
    """True when ``.outputs.json`` is the JSON list moviebuild writes (whatever it lists)."""
    try:
        return isinstance(json.loads(data.decode("utf-8")), list)
    except (ValueError, RecursionError):
        return False


def _all_present(folder: Path, outputs: Mapping[NodeId, str]) -> bool:
    """True when every file of ``outputs`` is in ``out/`` (reached without following a link)."""
    present = set(list_files(folder, OUT_DIR, regular_only=True))
    names = [out_file(a) for a in outputs]
    return all(name in present for name in names if name)


#: Which out/ files were hashed and found to hold their blob, keyed by their stat (a file
#: changed in any way is hashed again), so a build checks out/ with a stat per file.
_VERIFIED_MEMO = ".moviebuild/cache/out-verified.json"


def _wanted(outputs: Mapping[NodeId, str]) -> dict[str, str]:
    """Path under ``out/`` -> digest of every media file of ``outputs``."""
    wanted: dict[str, str] = {}
    for artifact_id, digest in outputs.items():
        path = out_file(artifact_id)
        if path:
            wanted[path] = digest
    return wanted


def _differing_files(
    folder: Path, outputs: Mapping[NodeId, str], verified: VerifiedFiles
) -> list[str]:
    """The files under ``out/`` that are there but do not hold their blob's bytes (edited,
    damaged), or are hard links (which an edit in place would make damage the store)."""
    differing = []
    present = set(list_files(folder, OUT_DIR, regular_only=True))
    for relative, digest in sorted(_wanted(outputs).items()):
        if relative not in present:
            continue
        path = str(folder / OUT_DIR / relative)
        try:
            linked = os.lstat(path).st_nlink > 1
        except OSError:
            continue
        if linked or verified.is_intact(path, digest) is False:
            differing.append(relative)
    return differing


def check_out_folder(movie: MovieFolder, store: Store, *, repair: bool) -> list[tuple[str, str]]:
    """``fsck`` of ``out/``: every media file hashed against the current revision (no memo
    trusted); returns (path, what) per file that differs, put back when ``repair``."""
    folder = movie.folder
    found: list[tuple[str, str]] = []
    present = set(list_files(folder, OUT_DIR, regular_only=True))
    verified = VerifiedFiles(str(folder / _VERIFIED_MEMO), names_hold_digest=False)
    for relative, digest in sorted(_wanted(current_outputs(movie, store)).items()):
        path = folder / OUT_DIR / relative
        if relative not in present:
            what = "missing"
        elif hash_file(str(path)) != digest:
            what = f"its bytes are not blob {digest}'s"
        elif os.lstat(path).st_nlink > 1:
            what = "a hard link that an edit in place would make damage the store"
        else:
            continue
        if repair:
            _place(store, digest, folder, f"{OUT_DIR}/{relative}", verified)
            what += "; put back the current revision's file"
        found.append((str(path), what))
    verified.save()
    return found


def _write_media(
    store: Store, folder: Path, outputs: Mapping[NodeId, str], verified: VerifiedFiles
) -> None:
    wanted = _wanted(outputs)
    emptied: set[str] = set()
    for relative in list_files(folder, OUT_DIR):
        if relative not in wanted and relative not in _KEEP:
            remove_file(folder, f"{OUT_DIR}/{relative}")
            if "/" in relative:
                emptied.add(relative.rsplit("/", 1)[0])
    for relative in sorted(emptied, reverse=True):
        remove_empty_dir(folder, f"{OUT_DIR}/{relative}")
    assets: dict[str, str] = {}
    for relative, digest in sorted(wanted.items()):
        _place(store, digest, folder, f"{OUT_DIR}/{relative}", verified)
    for artifact_id in outputs:
        path = out_file(artifact_id)
        if path and artifact_id.name != "Timeline":
            assets[str(artifact_id)] = path
    from moviebuild.timeline import AssetMap, dump_asset_map

    write_file(folder, f"{OUT_DIR}/assets.json", dump_asset_map(AssetMap(assets=assets)))


MARKER = ".outputs.json"
_MARKER_PATH = f"{OUT_DIR}/{MARKER}"
_KEEP = {"assets.json", "preview.mp4", "movie.mp4", MARKER}


def _place(
    store: Store, digest: str, folder: Path, relative: str, verified: VerifiedFiles
) -> None:
    """Make ``folder/relative`` hold the blob, as a file of its own (a copy-on-write clone or a
    copy, never a hard link: editing it must not change the store)."""
    path = str(folder / relative)
    with contextlib.suppress(OSError):
        if os.lstat(path).st_nlink == 1 and verified.is_intact(path, digest):
            return  # already there (for a remote store: need not be sent again)
    source = store.blobs.local_blob_path(digest)
    if source is not None:
        copy_file(folder, relative, source)
    else:
        write_file(folder, relative, store.blobs.get_blob(digest))
    verified.note_written(path, digest)
