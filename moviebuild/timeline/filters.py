"""ffmpeg argument lists for the preview: one silent segment clip, and the final join-and-mix pass.

Pure functions from timeline clips to ffmpeg arguments, implementing the Ken Burns geometry and
the volume envelope of model.py exactly; nothing here runs ffmpeg, reads media or caches.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path

from moviebuild.timeline.model import ImageClip, MusicClip, SegmentSpan, Timeline, VideoClip

AUDIO_RATE_HZ = 48_000


def clip_encoding_args(fps: int) -> list[str]:
    """Codec parameters every segment clip shares, so the concat demuxer can join them with
    ``-c copy`` (no B-frames: no edit lists or negative timestamps at clip joins)."""
    return [
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
        "-profile:v", "high", "-bf", "0", "-g", str(2 * fps), "-r", str(fps),
        "-video_track_timescale", str(fps * 1000), "-an",
    ]  # fmt: skip


def frame_count(duration_s: float, fps: int) -> int:
    """Frames a duration occupies; the assembler makes every visual time a whole frame."""
    return round(duration_s * fps)


def segment_clip_args(
    span: SegmentSpan,
    clips: Sequence[ImageClip | VideoClip],
    *,
    fps: int,
    width: int,
    height: int,
    media: Mapping[str, Path],
    image_sizes: Mapping[str, tuple[int, int]],
    slate: Path | None,
    out_path: Path,
) -> list[str]:
    """Arguments rendering one segment to a silent H.264 clip of exactly the segment's frames.

    With ``slate`` the whole segment shows that picture; otherwise the clips in time order, any
    uncovered frames black.
    """
    total = frame_count(span.duration_s, fps)
    inputs: list[str] = []
    chains: list[str] = []
    cursor = 0

    def add_black(frames: int) -> None:
        chains.append(
            f"color=c=black:s={width}x{height}:r={fps},trim=end_frame={frames},"
            f"settb=1/{fps},setpts=N,format=yuv420p[v{len(chains)}]"
        )

    if slate is not None:
        inputs += ["-i", str(slate)]
        chains.append(_still_chain(0, width, height, fps, total, perspective=None) + "[v0]")
        cursor = total
    for clip in sorted(clips, key=lambda clip: clip.start_s):
        first = max(cursor, frame_count(clip.start_s - span.start_s, fps))
        last = min(total, frame_count(clip.start_s - span.start_s + clip.duration_s, fps))
        if last <= first:
            continue
        if first > cursor:
            add_black(first - cursor)
        index = len(inputs) // 2
        inputs += ["-i", str(media[clip.asset])]
        if isinstance(clip, ImageClip):
            corners = ken_burns_corners(
                clip, image_sizes[clip.asset], width, height, frame_count(clip.duration_s, fps)
            )
            chain = _still_chain(index, width, height, fps, last - first, perspective=corners)
        else:
            chain = _video_chain(index, clip, width, height, fps, last - first)
        chains.append(f"{chain}[v{len(chains)}]")
        cursor = last
    if cursor < total:
        add_black(total - cursor)
    labels = "".join(f"[v{number}]" for number in range(len(chains)))
    graph = ";".join(chains) + f";{labels}concat=n={len(chains)}:v=1:a=0[out]"
    return [
        *inputs, "-filter_complex", graph, "-map", "[out]", "-frames:v", str(total),
        *clip_encoding_args(fps), "-y", str(out_path),
    ]  # fmt: skip


def ken_burns_corners(
    clip: ImageClip, image_size: tuple[int, int], width: int, height: int, frames: int
) -> str:
    """The ``perspective`` filter options placing the image's corners per output frame ``on``.

    The input is the image stretched to width x height; mapping its corners to the covered,
    scaled and offset rectangle of model.KenBurns undoes the stretch exactly.
    """
    image_w, image_h = image_size
    aspect = (image_w / image_h) / (width / height)
    # How many frame widths/heights the covered image spans before the Ken Burns scale.
    span_x, span_y = max(aspect, 1.0), max(1.0 / aspect, 1.0)
    start, end = clip.ken_burns.start, clip.ken_burns.end
    scale = _lerp(start.scale, end.scale, frames)
    left = f"{width}*({_lerp(start.offset_x, end.offset_x, frames)}+0.5-{span_x / 2:.9f}*{scale})"
    right = f"{width}*({_lerp(start.offset_x, end.offset_x, frames)}+0.5+{span_x / 2:.9f}*{scale})"
    top = f"{height}*({_lerp(start.offset_y, end.offset_y, frames)}+0.5-{span_y / 2:.9f}*{scale})"
    bottom = (
        f"{height}*({_lerp(start.offset_y, end.offset_y, frames)}+0.5+{span_y / 2:.9f}*{scale})"
    )
    return (
        f"x0='{left}':y0='{top}':x1='{right}':y1='{top}':"
        f"x2='{left}':y2='{bottom}':x3='{right}':y3='{bottom}'"
    )


def _lerp(start: float, end: float, frames: int) -> str:
    # p = t / D = on / frames, with ``on`` the perspective filter's output frame number.
    return f"({start:.9g}+({end - start:.9g})*on/{frames})"


def _still_chain(
    index: int, width: int, height: int, fps: int, frames: int, *, perspective: str | None
) -> str:
    # Scale once, then repeat the frame: far cheaper than decoding a looped image per frame.
    chain = (
        f"[{index}:v]scale={width}:{height},setsar=1,format=yuv420p,"
        f"loop=loop={frames - 1}:size=1:start=0,settb=1/{fps},setpts=N"
    )
    if perspective is not None:
        chain += f",perspective={perspective}:sense=destination:eval=frame"
    return chain


def _video_chain(
    index: int, clip: VideoClip, width: int, height: int, fps: int, frames: int
) -> str:
    # Cover and centre, play at the rate, hold the last frame if the source runs out.
    return (
        f"[{index}:v]setpts=(PTS-STARTPTS)/{clip.playback_rate:.9g},fps={fps},"
        f"scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height},"
        f"setsar=1,format=yuv420p,tpad=stop_mode=clone:stop_duration={frames / fps + 1:.6f},"
        f"trim=end_frame={frames},settb=1/{fps},setpts=N"
    )


def envelope_expression(music: MusicClip) -> str:
    """An ffmpeg expression in ``t`` (seconds from the music's start) equal to
    ``MusicClip.volume_at``: a flat sum of piecewise-linear terms, no deep nesting."""
    points = music.envelope
    terms = [f"lt(t,{points[0].time_s:.6f})*{points[0].volume:.6f}"]
    for before, after in itertools.pairwise(points):
        if after.time_s <= before.time_s:
            continue
        slope = (after.volume - before.volume) / (after.time_s - before.time_s)
        terms.append(
            f"gte(t,{before.time_s:.6f})*lt(t,{after.time_s:.6f})"
            f"*({before.volume:.6f}+({slope:.9g})*(t-{before.time_s:.6f}))"
        )
    terms.append(f"gte(t,{points[-1].time_s:.6f})*{points[-1].volume:.6f}")
    return "+".join(terms)


def mix_args(
    timeline: Timeline, concat_list: Path, media: Mapping[str, Path], out_path: Path
) -> list[str]:
    """Arguments joining the segment clips (``-c copy``) and mixing narration with the ducked
    music in one audio pass, muxed to ``out_path`` with AAC audio."""
    total_s = f"{timeline.duration_s:.6f}"
    inputs = ["-f", "concat", "-safe", "0", "-i", str(concat_list)]
    inputs += ["-f", "lavfi", "-t", total_s, "-i", f"anullsrc=r={AUDIO_RATE_HZ}:cl=stereo"]
    chains: list[str] = []
    labels = ["[1:a]"]
    index = 1
    audio_format = f"aresample={AUDIO_RATE_HZ},aformat=sample_fmts=fltp:channel_layouts=stereo"
    for clip in timeline.tracks.narration:
        index += 1
        inputs += ["-i", str(media[clip.asset])]
        delay = round(clip.start_s * AUDIO_RATE_HZ)
        chains.append(
            f"[{index}:a]atrim=duration={clip.duration_s:.6f},asetpts=PTS-STARTPTS,{audio_format},"
            f"adelay=delays={delay}S:all=1[n{index}]"
        )
        labels.append(f"[n{index}]")
    for music in timeline.tracks.music:
        index += 1
        inputs += ["-i", str(media[music.asset])]
        delay = round(music.start_s * AUDIO_RATE_HZ)
        # Short audio frames make the per-frame volume follow the 0.3 s ramps smoothly.
        chains.append(
            f"[{index}:a]atrim=duration={music.duration_s:.6f},asetpts=PTS-STARTPTS,"
            f"{audio_format},asetnsamples=n=480,"
            f"volume=eval=frame:volume='{envelope_expression(music)}',"
            f"adelay=delays={delay}S:all=1[m{index}]"
        )
        labels.append(f"[m{index}]")
    chains.append(
        "".join(labels)
        + f"amix=inputs={len(labels)}:normalize=0:duration=first:dropout_transition=0[aout]"
    )
    return [
        *inputs, "-filter_complex", ";".join(chains), "-map", "0:v", "-map", "[aout]",
        "-c:v", "copy", "-c:a", "aac", "-b:a", "160k", "-t", total_s,
        "-movflags", "+faststart", "-y", str(out_path),
    ]  # fmt: skip
