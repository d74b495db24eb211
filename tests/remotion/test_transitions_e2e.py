"""Transitions and cards drawn by Remotion and by the ffmpeg preview, frame by frame through each
window; and the chunked Remotion render against a whole one at every chunk boundary. Skipped,
with the reason, when Node, remotion/node_modules or Chromium is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from moviebuild.config.enums import AssemblyStrategy
from moviebuild.project.remotion import render_with_remotion
from moviebuild.timeline import (
    AssemblyMaterial,
    AssetMap,
    DirectoryClipCache,
    ExpectedAssets,
    SegmentMaterial,
    SourceCredit,
    Timeline,
    Transition,
    TransitionKind,
    assemble_timeline,
    dump_asset_map,
    dump_timeline,
    load_timeline,
    render_preview,
)
from tests.remotion.conftest import RemotionTools
from tests.remotion.frames import extract_frame, mean_abs_diff, probe_streams

pytestmark = pytest.mark.slow  # two Remotion renders of 8 s and one of 3 of its 7 chunks

WIDTH, HEIGHT, FPS = 320, 180, 30
COLOURS = [(200, 40, 40), (40, 40, 200), (40, 160, 40), (200, 200, 40)]
# Segments of 2 s (60 frames); each transition takes the first 30 frames of its segment.
WINDOWS = {2: 60, 3: 120, 4: 180}
CARD_FRAMES = (10, 225)


def transitions_movie(folder: Path) -> tuple[Timeline, dict[str, Path]]:
    """Four 2 s image segments: a dissolve into 2, a fade through white into 3, a slide into 4,
    a title card over the first second and an end card with a source over the last."""
    out = folder / "out"
    out.mkdir(parents=True)
    files = {}
    for number, colour in enumerate(COLOURS, start=1):
        image = Image.new("RGB", (480, 270), colour)
        # A square that the Ken Burns move carries, so placement shows as well as colour.
        ImageDraw.Draw(image).rectangle((100, 60, 220, 150), fill=(250, 250, 250))
        files[f"I{number}"] = out / f"image-{number}.png"
        image.save(files[f"I{number}"])
    material = AssemblyMaterial(
        title="Rivers", fps=FPS, width=WIDTH, height=HEIGHT, segment_length_s=2.0,
        segments=tuple(
            SegmentMaterial(index=n, expected=ExpectedAssets(narration=f"N{n}", images=(f"I{n}",)),
                            narration=None, images=(f"I{n}",))
            for n in range(1, 5)
        ),
        transitions=(
            Transition(segment=2, kind=TransitionKind.DISSOLVE, duration_s=1.0),
            Transition(segment=3, kind=TransitionKind.FADE, duration_s=1.0, color="#ffffff"),
            Transition(segment=4, kind=TransitionKind.SLIDE, duration_s=1.0),
        ),
        title_card_s=1.0, end_card_s=1.0,
        sources=(SourceCredit(number=1, title="Atlas", url="https://example.org/atlas"),),
    )  # fmt: skip
    timeline = assemble_timeline(material, AssemblyStrategy.FIXED)
    assert len(timeline.transitions) == 3 and len(timeline.cards) == 2
    (out / "timeline.json").write_bytes(dump_timeline(timeline))
    assets = AssetMap(assets={asset: path.name for asset, path in files.items()})
    (out / "assets.json").write_bytes(dump_asset_map(assets))
    return timeline, files


@pytest.fixture(scope="module")
def rendered(
    remotion_tools: RemotionTools, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, Path]:
    """The folder, its whole Remotion render and its ffmpeg preview."""
    folder = tmp_path_factory.mktemp("transitions")
    timeline, files = transitions_movie(folder)
    whole = folder / "whole.mp4"
    render_with_remotion(folder, browser=remotion_tools.browser, out_path=whole, chunks=False)
    preview = folder / "preview.mp4"
    render_preview(timeline, files, out_path=preview, width=WIDTH, height=HEIGHT,
                   cache=DirectoryClipCache(folder / "cache"),
                   asset_digests={asset: asset for asset in files})  # fmt: skip
    return folder, whole, preview


def test_both_renderers_draw_every_transition_and_card_the_same(
    rendered: tuple[Path, Path, Path],
) -> None:
    _, whole, preview = rendered
    frames = [first + k for first in WINDOWS.values() for k in (0, 8, 14, 15, 22, 29)]
    differences = {
        frame: mean_abs_diff(extract_frame(whole, frame), extract_frame(preview, frame))
        for frame in [*frames, *CARD_FRAMES]
    }
    # 3/255 on average, as for the example movie's frame (test_render_e2e.py): two lossy
    # encoders. Measured: at most 2.9 (a dissolve's first frame, where the square's edges of
    # both pictures show). A transition one frame late differs by 5 to 15 levels (a fade through
    # white moves 17 levels a frame), the wrong side on top or a wrong colour by tens.
    assert max(differences.values()) < 3.0, differences


def test_a_chunked_render_equals_a_whole_one_and_reuses_what_an_edit_left(
    remotion_tools: RemotionTools, rendered: tuple[Path, Path, Path]
) -> None:
    from moviebuild.project.remotion_chunks import chunk_ranges

    folder, whole, _ = rendered
    timeline = load_timeline((folder / "out" / "timeline.json").read_bytes())
    chunked = folder / "chunked.mp4"
    first = render_with_remotion(folder, browser=remotion_tools.browser, out_path=chunked)
    ranges = chunk_ranges(timeline)
    # A segment each, cut again where each transition's window ends.
    assert ranges == [(0, 60), (60, 90), (90, 120), (120, 150), (150, 180), (180, 210), (210, 240)]
    assert (first.chunks, first.chunks_rendered) == (7, 7)
    assert probe_streams(chunked)[0] == probe_streams(whole)[0] == 240
    boundaries = sorted({frame for start, end in ranges for frame in (start, end - 1)})
    differences = {
        frame: mean_abs_diff(extract_frame(chunked, frame), extract_frame(whole, frame))
        for frame in boundaries
    }
    # The same tolerance as between the renderers (3/255); measured under 0.4, which is the
    # encoder's: a chunk one frame early or late would differ by 5 or more inside a transition.
    assert max(differences.values()) < 3.0, differences

    # An edit of segment 2's image: its two chunks and the transition out of it, nothing else.
    image = folder / "out" / "image-2.png"
    Image.new("RGB", (480, 270), (250, 120, 0)).save(image)
    again = render_with_remotion(folder, browser=remotion_tools.browser, out_path=chunked)
    assert (again.chunks, again.chunks_rendered) == (7, 3)
    assert mean_abs_diff(extract_frame(chunked, 100), extract_frame(whole, 100)) > 30
    assert mean_abs_diff(extract_frame(chunked, 200), extract_frame(whole, 200)) < 3.0
