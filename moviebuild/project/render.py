"""``moviebuild render``: the current revision's timeline through the ffmpeg preview renderer.

Visual clips, the audio mix and the finished preview are cached by key under
``.moviebuild/cache/render`` in the movie folder, so an edit to one image re-encodes one clip.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from moviebuild.errors import StoreError
from moviebuild.project.export import OUT_DIR, current_timeline
from moviebuild.project.folder import MovieFolder
from moviebuild.project.folder_files import remove_file
from moviebuild.timeline import (
    DirectoryClipCache,
    RenderReport,
    preview_size,
    render_preview,
)

CACHE_DIR = Path(".moviebuild") / "cache" / "render"
SIZES = {"480p": 480, "720p": 720, "1080p": 1080}


def render_movie(
    movie: MovieFolder,
    *,
    size: str | None = None,
    out_path: Path | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> RenderReport:
    """Render ``out/preview.mp4`` (or ``out_path``) from the current revision, at the timeline's
    size or, given ``size`` ("480p"...), with that short side."""
    if not movie.store_exists():
        raise StoreError(f"{movie.folder} has not been built yet", hint="run `moviebuild` first")
    store = movie.open_store()
    with store, tempfile.TemporaryDirectory(prefix="moviebuild-assets-") as scratch:
        outputs, timeline = current_timeline(movie, store)
        assets: dict[str, Path] = {}
        digests: dict[str, str] = {}
        for artifact_id, digest in outputs.items():
            path = store.blobs.local_blob_path(digest)
            if path is None:
                path = Path(scratch) / digest
                path.write_bytes(store.blobs.get_blob(digest))
            assets[str(artifact_id)] = path
            digests[str(artifact_id)] = digest
        width, height = (
            (timeline.width, timeline.height)
            if size is None
            else preview_size(timeline, SIZES[size])
        )
        if out_path is None:
            # Never write through a link: `out/` must be a real folder, and a link planted where
            # the partial file goes is removed, not followed.
            remove_file(movie.folder, f"{OUT_DIR}/.preview.partial.mp4")
        target = out_path or movie.folder / OUT_DIR / "preview.mp4"
        target.parent.mkdir(parents=True, exist_ok=True)
        return render_preview(
            timeline,
            assets,
            out_path=target,
            width=width,
            height=height,
            cache=DirectoryClipCache(movie.folder / CACHE_DIR),
            asset_digests=digests,
            on_progress=on_progress,
        )
