"""The TimelineAssembler job: gathers whatever artifacts exist, measures audio and video durations,
and hands plain material to the timeline package. Missing artifacts become documented gaps.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from moviebuild.config.enums import AssemblyStrategy, frame_size
from moviebuild.config.moviefile import SEGMENT_LENGTH_S
from moviebuild.engine.interfaces import JobRequest
from moviebuild.errors import MediaError
from moviebuild.graph import NodeId
from moviebuild.timeline.model import SourceCredit

TIMELINE_FPS = 30
CAPTION_SIZES = {"small": 0.04, "medium": 0.05, "large": 0.065}
"""The Moviefile's caption sizes as fractions of the frame's height."""
TITLE_CARD_S = 3.0
"""How long the title card (``title_card: true``) covers the movie's opening."""
END_CARD_S = 4.0
"""How long the end card (``end_card: true``) covers the movie's close."""


def measure_audio_s(data: bytes) -> float | None:
    """An MP3's duration, or None when the bytes are not MP3 (e.g. a test fake's)."""
    from moviebuild.providers.offline.audio import mp3_duration_s

    try:
        duration = mp3_duration_s(data)
    except MediaError:
        return None
    return duration if duration > 0 else None


def measure_video_s(data: bytes) -> float | None:
    """A video's duration through ffmpeg, or None when it cannot be decoded."""
    from moviebuild.media.ffmpeg import media_duration_s

    with tempfile.TemporaryDirectory(prefix="moviebuild-") as folder:
        path = Path(folder) / "clip.mp4"
        path.write_bytes(data)
        try:
            return media_duration_s(path)
        except MediaError:
            return None


def spoken_words(data: bytes | None) -> tuple[tuple[tuple[float, float, int], ...], ...] | None:
    """The words, per sentence, a narration MP3 says it speaks (offline piper speech), or None."""
    from moviebuild.providers.offline.audio import read_word_times

    found = read_word_times(data) if data else None
    return tuple(tuple(sentence) for sentence in found) if found else None


def assemble_from_request(request: JobRequest) -> bytes:
    """The Timeline bytes for the assembler job's (possibly partial) inputs."""
    from moviebuild.timeline import (
        AssemblyMaterial,
        AssetRef,
        CaptionStyle,
        ExpectedAssets,
        SegmentMaterial,
        Transition,
        VisualKind,
        assemble_timeline,
        dump_timeline,
    )

    job, inputs, fields = request.job, request.inputs, request.fields
    consumed = set(job.consumes)

    def ref(artifact_id: NodeId, measure: bool, video: bool = False) -> AssetRef | None:
        data = inputs.get(artifact_id)
        if data is None:
            return None
        duration_s = (
            (measure_video_s(data) if video else measure_audio_s(data)) if measure else None
        )
        return AssetRef(str(artifact_id), duration_s or float(SEGMENT_LENGTH_S))

    # A translated movie speaks and captions the translation (graph/translation.py).
    said = "TranslatedNarration" if any(a.name == "TranslatedNarration" for a in consumed) else (
        "SegmentNarration")  # fmt: skip
    segments_n = max((a.index[0] for a in consumed if a.name == said), default=0)
    segments = []
    for i in range(1, segments_n + 1):
        narration_text = inputs.get(NodeId(said, (i,)))
        images = sorted(a for a in consumed if a.name == "SegmentImage" and a.index[0] == i)
        video_id = NodeId("SegmentVideo", (i,))
        is_video = video_id in consumed
        audio_id = NodeId("SegmentAudio", (i,))
        segments.append(
            SegmentMaterial(
                index=i,
                expected=ExpectedAssets(
                    narration=str(audio_id),
                    images=tuple(str(a) for a in images),
                    video=str(video_id) if is_video else None,
                ),
                visual_kind=VisualKind.VIDEO if is_video else VisualKind.IMAGES,
                narration_text=narration_text.decode("utf-8") if narration_text else None,
                narration=ref(audio_id, True),
                narration_spoken=spoken_words(inputs.get(audio_id)),
                images=tuple(str(a) if a in inputs else None for a in images),
                video=ref(video_id, True, video=True) if is_video else None,
            )
        )
    width, height = frame_size(fields["size"], fields["aspect_ratio"])
    captions = fields.get("captions") or {"size": "medium"}
    title = inputs.get(
        NodeId("TranslatedTitle"), inputs.get(NodeId("MovieTitle"), b"")
    ).decode("utf-8")
    notes = inputs.get(NodeId("ResearchNotes"))
    sources: tuple[SourceCredit, ...] = ()
    if notes is not None:
        from moviebuild.timeline.credits import source_credits

        sources = source_credits(
            notes.decode("utf-8"),
            {s.index: s.narration_text for s in segments if s.narration_text},
        )
    material = AssemblyMaterial(
        title=title,
        fps=TIMELINE_FPS,
        width=width,
        height=height,
        segments=tuple(segments),
        music=ref(NodeId("MusicTrack"), True),
        expected_music="MusicTrack",
        segment_length_s=float(SEGMENT_LENGTH_S),
        caption_style=CaptionStyle.model_validate(
            {**captions, "size": CAPTION_SIZES[captions["size"]]}
        ),
        transitions=tuple(
            Transition.model_validate({"segment": int(number), **wanted})
            for number, wanted in (fields.get("transition") or {}).items()
        ),
        title_card_s=TITLE_CARD_S if fields.get("title_card") else None,
        end_card_s=END_CARD_S if fields.get("end_card") else None,
        sources=sources,
    )
    timeline = assemble_timeline(material, AssemblyStrategy(fields["assembly"]))
    return dump_timeline(timeline)
