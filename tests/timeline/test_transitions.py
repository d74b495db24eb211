"""Transitions and cards: the model's rules, the assembler, the part keys a change moves, and the
ffmpeg preview's pixels through a dissolve, a fade through colour, a slide and both cards."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageStat
from pydantic import ValidationError

from moviebuild.config.enums import AssemblyStrategy
from moviebuild.config.moviefile import Moviefile
from moviebuild.timeline import (
    AssemblyMaterial,
    CardKind,
    DirectoryClipCache,
    ExpectedAssets,
    SegmentMaterial,
    SourceCredit,
    Timeline,
    Transition,
    TransitionKind,
    assemble_timeline,
    render_preview,
)
from moviebuild.timeline.parts import part_key, segment_parts
from tests.timeline.test_render import FIXED, FPS, HEIGHT, WIDTH

COLOURS = {"a": (200, 40, 40), "b": (40, 40, 200), "c": (40, 160, 40), "d": (200, 200, 40)}


def material(
    transitions: tuple[Transition, ...] = (), *, cards: bool = False, images: str = "abcd"
) -> AssemblyMaterial:
    segments = tuple(
        SegmentMaterial(
            index=index,
            expected=ExpectedAssets(narration=f"N{index}", images=(f"I{index}",)),
            narration=None,
            images=(f"I{index}" if name != "-" else None,),
        )
        for index, name in enumerate(images, start=1)
    )
    return AssemblyMaterial(
        title="Rivers", fps=FPS, width=WIDTH, height=HEIGHT, segments=segments,
        segment_length_s=2.0, transitions=transitions,
        title_card_s=1.0 if cards else None, end_card_s=1.0 if cards else None,
        sources=(SourceCredit(number=1, title="Atlas", url="https://example.org/atlas"),)
        if cards else (),
    )  # fmt: skip


def into(segment: int, kind: str, color: str = "#000000") -> Transition:
    return Transition(segment=segment, kind=TransitionKind(kind), duration_s=1.0, color=color)


def test_the_assembler_keeps_transitions_between_pictures_and_drops_the_rest() -> None:
    timeline = assemble_timeline(material((into(2, "dissolve"), into(3, "slide")), images="ab-d"),
                                 FIXED)  # fmt: skip
    # Segment 3 has no picture (a slate), so the transition into it is a cut.
    assert [item.segment for item in timeline.transitions] == [2]


def test_a_transition_must_lie_in_one_clip_of_a_real_segment() -> None:
    whole = assemble_timeline(material(), FIXED).model_dump()
    holed = assemble_timeline(material(images="a-cd"), FIXED).model_dump()
    # No segment 9; segment 2 is a slate, so nothing to dissolve from or into.
    for document, wrong in [(whole, into(9, "dissolve")), (holed, into(3, "fade")),
                            (holed, into(2, "slide"))]:  # fmt: skip
        with pytest.raises(ValidationError, match="transition into segment"):
            Timeline.model_validate({**document, "transitions": [wrong.model_dump()]})
    Timeline.model_validate({**whole, "transitions": [into(2, "slide").model_dump()]})


def test_cards_cover_whole_frames_at_both_ends() -> None:
    timeline = assemble_timeline(material(cards=True), AssemblyStrategy.FIXED)
    title, end = timeline.cards
    assert (title.kind, title.start_s, title.duration_s) == (CardKind.TITLE, 0.0, 1.0)
    assert (end.kind, end.start_s + end.duration_s) == (CardKind.END, timeline.duration_s)
    assert end.sources[0].url == "https://example.org/atlas"


def test_a_transition_change_moves_only_the_parts_of_the_segment_it_enters() -> None:
    digests = {f"I{n}": f"digest{n}" for n in range(1, 5)}

    def keys(timeline: Timeline) -> dict[int, list[str]]:
        return {
            span.index: [part_key(part, digests, width=WIDTH, height=HEIGHT, fps=FPS)
                         for part in segment_parts(timeline, span.index)]
            for span in timeline.segments
        }  # fmt: skip

    before = keys(assemble_timeline(material((into(2, "dissolve"), into(3, "fade"))), FIXED))
    after = keys(assemble_timeline(material((into(2, "dissolve"), into(3, "slide"))), FIXED))
    assert [n for n in before if before[n] != after[n]] == [3]
    # The transition is a part of its own, so the rest of segment 3 is reused too.
    assert before[3][1:] == after[3][1:] and before[3][0] != after[3][0]
    # An edit of segment 2's image moves segment 2 and the transition out of it.
    digests["I2"] = "edited"
    edited = keys(assemble_timeline(material((into(2, "dissolve"), into(3, "fade"))), FIXED))
    assert [n for n in before if before[n] != edited[n]] == [2, 3]
    assert before[3][1:] == edited[3][1:]


def test_the_moviefile_chooses_per_movie_and_per_boundary() -> None:
    moviefile = Moviefile.model_validate(
        {"inquiry": "rivers", "duration": 40, "transition": "dissolve", "title_card": True,
         "segments": {3: {"transition": {"kind": "fade", "color": "#FFFFFF", "duration": 1}},
                      4: {"transition": "cut"}}}
    )  # fmt: skip
    assert moviefile.field_value("transition") == {
        "2": {"kind": "dissolve", "duration_s": 0.5, "color": "#000000"},
        "3": {"kind": "fade", "duration_s": 1.0, "color": "#ffffff"},
    }
    assert (moviefile.field_value("title_card"), moviefile.field_value("end_card")) == (True, False)
    with pytest.raises(ValidationError, match="kind"):
        Moviefile.model_validate({"inquiry": "rivers", "duration": 20, "transition": "wipe"})


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Timeline]:
    folder = tmp_path_factory.mktemp("transitions")
    media = {}
    for number, name in enumerate("abcd", start=1):
        media[f"I{number}"] = folder / f"{name}.png"
        Image.new("RGB", (WIDTH, HEIGHT), COLOURS[name]).save(media[f"I{number}"])
    wanted = (into(2, "dissolve"), into(3, "fade", "#ffffff"), into(4, "slide"))
    timeline = assemble_timeline(material(wanted, cards=True), FIXED)
    out = folder / "movie.mp4"
    render_preview(timeline, media, out_path=out, width=WIDTH, height=HEIGHT,
                   cache=DirectoryClipCache(folder / "cache"),
                   asset_digests={asset: asset for asset in media})  # fmt: skip
    return out, timeline


def frame_rgb(video: Path, index: int, box: tuple[int, int, int, int]) -> tuple[float, ...]:
    from moviebuild.media.ffmpeg import run_ffmpeg

    still = video.with_name(f"frame-{index}.png")
    run_ffmpeg(["-i", str(video), "-vf", f"select=eq(n\\,{index})", "-frames:v", "1", "-y",
                str(still)], what="a frame")  # fmt: skip
    with Image.open(still) as image:
        return tuple(ImageStat.Stat(image.convert("RGB").crop(box)).mean)


def close(found: tuple[float, ...], wanted: tuple[float, ...], within: float = 12) -> bool:
    return all(abs(a - b) <= within for a, b in zip(found, wanted, strict=True))


def test_the_preview_draws_each_transition(rendered: tuple[Path, Timeline]) -> None:
    video, _ = rendered
    whole = (0, 0, WIDTH, HEIGHT)
    a, b, c, d = (COLOURS[name] for name in "abcd")
    # Dissolve into segment 2 (frames 60-89): halfway, the average of both pictures.
    halfway = tuple((x + y) * 0.5 for x, y in zip(a, b, strict=True))
    assert close(frame_rgb(video, 74, whole), halfway, 14)
    assert close(frame_rgb(video, 90, whole), b)
    # Fade through white into segment 3 (frames 120-149): white in the middle.
    assert close(frame_rgb(video, 134, whole), (255, 255, 255), 16)
    assert close(frame_rgb(video, 126, whole), tuple(x + (255 - x) * 0.43 for x in b), 14)
    # Slide into segment 4 (frames 180-209): halfway, c on the left half and d on the right.
    left, right = (4, 4, WIDTH // 2 - 8, HEIGHT - 4), (WIDTH // 2 + 8, 4, WIDTH - 4, HEIGHT - 4)
    assert close(frame_rgb(video, 194, left), c) and close(frame_rgb(video, 195, right), d)


def test_the_preview_draws_the_cards(rendered: tuple[Path, Timeline]) -> None:
    video, _ = rendered
    band = (0, 0, WIDTH, 30)  # above the text: the card's colour
    assert close(frame_rgb(video, 10, band), (16, 16, 20), 6)
    assert close(frame_rgb(video, 45, band), COLOURS["a"])
    assert close(frame_rgb(video, 235, band), (16, 16, 20), 6)
    middle = frame_rgb(video, 235, (0, HEIGHT // 3, WIDTH, 2 * HEIGHT // 3))
    assert max(middle) > 25  # the title's and the sources' white text


def test_editor_exports_keep_transitions_where_the_format_has_them() -> None:
    import opentimelineio as otio

    from moviebuild.timeline.editorial import build_edit

    wanted = (into(2, "dissolve"), into(3, "fade", "#ffffff"), into(4, "slide"))
    timeline = assemble_timeline(material(wanted), FIXED)
    media = {f"I{n}": f"image-{n}.png" for n in range(1, 5)}
    found = {}
    for adapter, place in [("otio_json", "timeline"), ("cmx_3600", "clips")]:
        text = otio.adapters.write_to_string(build_edit(timeline, media, captions=place),
                                             adapter_name=adapter)  # fmt: skip
        options = {"rate": FPS} if adapter == "cmx_3600" else {}
        back = otio.adapters.read_from_string(text, adapter_name=adapter, **options)
        track = back.tracks[0]
        assert [type(item).__name__ for item in track] == ["Clip", "Transition"] * 3 + ["Clip"]
        transitions = [item for item in track if isinstance(item, otio.schema.Transition)]
        # Wholly after each cut, as long as the window; the clips keep their frames.
        assert [(t.in_offset.to_frames(), t.out_offset.to_frames()) for t in transitions] == [
            (0, 30)
        ] * 3
        assert [item.trimmed_range_in_parent().start_time.to_frames() for item in track
                if isinstance(item, otio.schema.Clip)] == [0, 60, 120, 180]  # fmt: skip
        found[adapter] = transitions
    # OTIO keeps each kind and colour; an EDL has only dissolves.
    kinds = [t.metadata["moviebuild"]["kind"] for t in found["otio_json"]]
    assert kinds == ["dissolve", "fade", "slide"]
    assert found["otio_json"][1].metadata["moviebuild"]["color"] == "#ffffff"
    assert {t.transition_type for t in found["cmx_3600"]} == {"SMPTE_Dissolve"}


def test_a_transition_into_the_first_segment_is_refused_where_it_is_written(
    tmp_path: Path,
) -> None:
    from moviebuild.config.load import load_moviefile
    from moviebuild.errors import ConfigError

    path = tmp_path / "Moviefile.yaml"
    path.write_text('inquiry: "rivers"\nduration: 20\nsegments:\n  1: {transition: slide}\n')
    with pytest.raises(ConfigError, match="no segment before it") as raised:
        load_moviefile(path)
    location = raised.value.location
    assert location is not None and (location.line, location.column) == (4, 7)
