"""ffmpeg argument lists for the preview: one silent part, the audio mix, and the join.

Pure functions from timeline clips to ffmpeg arguments, implementing the Ken Burns geometry and
the volume envelope of model.py; nothing here runs ffmpeg, reads media or caches.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path

from moviebuild.timeline.model import (
    ImageClip,
    MusicClip,
    Timeline,
    Transition,
    TransitionKind,
    VideoClip,
)
from moviebuild.timeline.parts import Part, frame_count

AUDIO_RATE_HZ = 48_000
OVERSAMPLE = 2
"""A Ken Burns still is prepared at this multiple of the frame's size (see ``ken_burns_chain``)."""


def clip_encoding_args(fps: int) -> list[str]:
    """Codec parameters every part shares, so the concat demuxer can join them with ``-c copy``
    (no B-frames: no edit lists or negative timestamps at joins). A preview favours speed:
    ultrafast at CRF 23 measures like veryfast at CRF 23 (PSNR, SSIM) for a third of the
    encoding time, in a file three to four times larger (some 2-3 Mb/s at 720p). Two threads fix
    the bitstream whatever the machine (x264 is deterministic for a given thread count)."""
    return [
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "23", "-pix_fmt", "yuv420p",
        "-profile:v", "high", "-bf", "0", "-g", str(2 * fps), "-threads", "2",
        "-r", str(fps), "-video_track_timescale", str(fps * 1000), "-an",
    ]  # fmt: skip


def part_args(
    part: Part,
    *,
    fps: int,
    width: int,
    height: int,
    media: Mapping[str, Path],
    image_size: tuple[int, int] | None = None,
    slate: Path | None = None,
    captions: Sequence[tuple[Path, int, int]] = (),
    cards: Sequence[Path] = (),
    outgoing_size: tuple[int, int] | None = None,
    out_path: Path,
) -> list[str]:
    """Arguments rendering one part to a silent H.264 file of exactly ``part.frames`` frames.

    An image part needs ``image_size``, the image's pixels; a slate part needs ``slate``, the
    picture to show; a transition part whose outgoing clip is an image needs its size,
    ``outgoing_size``. ``cards`` holds the full-frame picture of each of ``part.cards``, and
    ``captions``, for each of ``part.captions``, its picture and the top-left corner where it
    goes; cards are drawn first.
    """
    inputs: list[str] = []
    if part.kind == "black":
        graph = f"color=c=black:s={width}x{height}:r={fps},format=yuv420p"
    elif part.kind == "slate":
        if slate is None:
            raise ValueError("a slate part needs its picture")
        inputs = ["-i", str(slate)]
        graph = _still_chain(width, height, fps, part.frames)
    elif isinstance(part.clip, ImageClip):
        if image_size is None:
            raise ValueError("an image part needs the image's size")
        inputs = ["-i", str(media[part.clip.asset])]
        graph = ken_burns_chain(
            part.clip, image_size, width, height, fps, part.frames, skip=part.skip
        )
    elif isinstance(part.clip, VideoClip):
        inputs = ["-i", str(media[part.clip.asset])]
        graph = _video_chain(part.clip, width, height, fps, part.frames, skip=part.skip)
    else:
        raise ValueError(f"a {part.kind} part without its clip")
    graph = f"{graph},settb=1/{fps},setpts=N"
    if part.transition is not None and part.outgoing is not None:
        inputs += ["-i", str(media[part.outgoing.asset])]
        graph = transition_graph(
            graph, part.transition, part.outgoing, outgoing_size, width, height, fps, part.frames
        )
    overlays = [
        (picture, 0, 0, show.first, show.last)
        for picture, show in zip(cards, part.cards, strict=True)
    ]
    overlays += [
        (picture, x, y, show.first, show.last)
        for (picture, x, y), show in zip(captions, part.captions, strict=True)
    ]
    first_input = len(inputs) // 2
    for number, (picture, x, y, first, last) in enumerate(overlays):
        inputs += ["-i", str(picture)]
        graph += (
            f"[c{number}];[c{number}][{first_input + number}:v]overlay=x={x}:y={y}:"
            f"enable='between(n,{first},{last - 1})'"
        )
    return [
        *inputs, "-filter_complex", f"{graph}[out]", "-map", "[out]",
        "-frames:v", str(part.frames), *clip_encoding_args(fps), "-y", str(out_path),
    ]  # fmt: skip


def transition_graph(
    incoming: str,
    transition: Transition,
    outgoing: ImageClip | VideoClip,
    outgoing_size: tuple[int, int] | None,
    width: int,
    height: int,
    fps: int,
    frames: int,
) -> str:
    """``incoming`` (a graph of input 0) giving way from ``outgoing``'s last frame (input 1)
    over ``frames`` frames; progress at frame k is p = (k + 0.5) / frames, as in
    remotion/src/sequence.ts."""
    last = frame_count(outgoing.duration_s, fps) - 1
    if isinstance(outgoing, ImageClip):
        if outgoing_size is None:
            raise ValueError("a transition from an image needs the image's size")
        held = ken_burns_chain(outgoing, outgoing_size, width, height, fps, 1, skip=last,
                               source="1:v", prefix="o")  # fmt: skip
    else:
        held = _video_chain(outgoing, width, height, fps, 1, skip=last, source="1:v")
    held += f",loop=loop={frames - 1}:size=1:start=0,settb=1/{fps},setpts=N"
    # From each frame's time (both inputs count from 0 at 1/fps), not blend's frame counter,
    # which counts frames taken in, so from 1.
    p = f"((T*{fps}+0.5)/{frames})"
    if transition.kind is TransitionKind.DISSOLVE:
        mix = f"[out][in]blend=all_expr='A*(1-{p})+B*{p}'"
    elif transition.kind is TransitionKind.FADE:
        planes = []
        for number, value in enumerate(_yuv(transition.color)):
            planes.append(
                f"c{number}_expr='if(lt({p},0.5),A*(1-2*{p})+{value:.3f}*2*{p},"
                f"B*(2*{p}-1)+{value:.3f}*(2-2*{p}))'"
            )
        mix = f"[out][in]blend={':'.join(planes)}"
    else:
        # Whole pixels: crop moves the side-by-side pair by trunc(width * p).
        p_crop = f"((t*{fps}+0.5)/{frames})"
        mix = (
            "[out]format=rgb24[outr];[in]format=rgb24[inr];[outr][inr]hstack=inputs=2,"
            f"crop=w={width}:h={height}:x='{width}*{p_crop}':y=0,format=yuv420p"
        )
    return f"{incoming}[in];{held}[out];{mix}"


def _yuv(color: str) -> tuple[float, float, float]:
    # BT.601 limited range, as swscale turns RGB into the parts' yuv420p.
    r, g, b = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return (
        16 + 65.481 * r + 128.553 * g + 24.966 * b,
        128 - 37.797 * r - 74.203 * g + 112.0 * b,
        128 + 112.0 * r - 93.786 * g - 18.214 * b,
    )


def ken_burns_chain(
    clip: ImageClip,
    image_size: tuple[int, int],
    width: int,
    height: int,
    fps: int,
    frames: int,
    *,
    skip: int = 0,
    source: str = "0:v",
    prefix: str = "",
) -> str:
    """A graph showing input 0 with ``clip``'s Ken Burns move, from the clip's ``skip``-th frame.

    Every framing shows only the central frame-sized part of the covered image (|offset| <=
    (scale - 1) / 2), so the image is covered and centre-cropped once, at OVERSAMPLE times the
    frame's size, and repeated. Each plane is then cut and scaled to the frame per frame by
    ``zoompan`` (a bicubic swscale of a whole-pixel window). Whole pixels of the 2x still put
    each luma edge within a quarter of a frame pixel (times the scale) of the exact rectangle;
    planes are cut separately because zoompan moves a 4:2:0 window in steps of two pixels.
    """
    still_w, still_h = OVERSAMPLE * width, OVERSAMPLE * height
    cover_w, cover_h = _cover(image_size, still_w, still_h)
    clip_frames = frame_count(clip.duration_s, fps)
    start, end = clip.ken_burns.start, clip.ken_burns.end
    zoom = _lerp(start.scale, end.scale, skip, clip_frames)
    shift_x = _lerp(start.offset_x, end.offset_x, skip, clip_frames)
    shift_y = _lerp(start.offset_y, end.offset_y, skip, clip_frames)
    # zoompan cuts a window of trunc(iw / zoom) pixels: ask for round(iw / scale) of them.
    window = f"iw/(round(iw/{zoom})+0.001)"
    # The window's centre in plane pixels: the still's centre moved by -offset / scale of it.
    x = f"round(iw*(0.5-{shift_x}/{zoom})-trunc(iw/zoom)/2)"
    y = f"round(ih*(0.5-{shift_y}/{zoom})-trunc(ih/zoom)/2)"
    graph = [
        # RGB until cropped: a 4:2:0 crop would round an odd offset down.
        f"[{source}]scale={cover_w}:{cover_h}:flags=bicubic,format=rgb24,"
        f"crop={still_w}:{still_h},setsar=1,format=yuv420p,"
        f"extractplanes=y+u+v[{prefix}y][{prefix}u][{prefix}v]"
    ]
    for plane, (plane_w, plane_h) in zip(
        "yuv", [(width, height), (width // 2, height // 2), (width // 2, height // 2)], strict=True
    ):
        # Split once, then repeat each plane: the repeats share the still's memory.
        graph.append(
            f"[{prefix}{plane}]loop=loop={frames - 1}:size=1:start=0,settb=1/{fps},setpts=N,"
            f"zoompan=z='{window}':x='{x}':y='{y}':d=1:s={plane_w}x{plane_h}:fps={fps}"
            f"[{prefix}{plane}z]"
        )
    graph.append(f"[{prefix}yz][{prefix}uz][{prefix}vz]mergeplanes=0x001020:yuv420p")
    return ";".join(graph)


def _cover(image_size: tuple[int, int], width: int, height: int) -> tuple[int, int]:
    """The image's size scaled to cover width x height (both even), each side rounded to an
    even number so the centred crop starts on a whole pixel (a stretch of under 1/1000)."""
    image_w, image_h = image_size
    factor = max(width / image_w, height / image_h)
    return (max(width, round(image_w * factor / 2) * 2),
            max(height, round(image_h * factor / 2) * 2))  # fmt: skip


def _lerp(start: float, end: float, skip: int, frames: int) -> str:
    # p = t / D = (on + skip) / frames, with ``on`` zoompan's output frame number (0 first).
    return f"({start:.9g}+({end - start:.9g})*(on+{skip})/{frames})"


def _still_chain(width: int, height: int, fps: int, frames: int) -> str:
    # Scale once, then repeat the frame: far cheaper than decoding a looped image per frame.
    return (
        f"[0:v]scale={width}:{height},setsar=1,format=yuv420p,"
        f"loop=loop={frames - 1}:size=1:start=0,settb=1/{fps},setpts=N"
    )


def _video_chain(
    clip: VideoClip,
    width: int,
    height: int,
    fps: int,
    frames: int,
    *,
    skip: int = 0,
    source: str = "0:v",
) -> str:
    # Cover and centre, play at the rate, hold the last frame if the source runs out.
    return (
        f"[{source}]setpts=(PTS-STARTPTS)/{clip.playback_rate:.9g},fps={fps},"
        f"scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height},"
        f"setsar=1,format=yuv420p,"
        f"tpad=stop_mode=clone:stop_duration={(skip + frames) / fps + 1:.6f},"
        f"trim=start_frame={skip}:end_frame={skip + frames}"
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


def audio_mix_args(timeline: Timeline, media: Mapping[str, Path], out_path: Path) -> list[str]:
    """Arguments mixing the narration with the ducked music over a silent bed of the movie's
    length, in one pass, to AAC in ``out_path`` (an audio-only MP4)."""
    total_s = f"{timeline.duration_s:.6f}"
    inputs = ["-f", "lavfi", "-t", total_s, "-i", f"anullsrc=r={AUDIO_RATE_HZ}:cl=stereo"]
    chains: list[str] = []
    labels = ["[0:a]"]
    index = 0
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
        *inputs, "-filter_complex", ";".join(chains), "-map", "[aout]",
        "-c:a", "aac", "-b:a", "160k", "-t", total_s, "-vn", "-y", str(out_path),
    ]  # fmt: skip


def join_args(
    concat_list: Path, audio: Path, *, duration_s: float, comment: str, out_path: Path
) -> list[str]:
    """Arguments joining the parts listed in ``concat_list`` and the mixed ``audio`` without
    re-encoding either; ``comment`` is stored in the output's metadata."""
    return [
        "-f", "concat", "-safe", "0", "-i", str(concat_list), "-i", str(audio),
        "-map", "0:v", "-map", "1:a", "-c", "copy", "-t", f"{duration_s:.6f}",
        "-metadata", f"comment={comment}", "-movflags", "+faststart", "-y", str(out_path),
    ]  # fmt: skip
