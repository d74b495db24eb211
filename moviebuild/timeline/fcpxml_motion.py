"""What FCPXML can say about motion and level that the OTIO FCPXML adapter does not write: added
to the adapter's document, element by element, matched by clip name.

- the frame size on each ``<format>`` (the adapter leaves it out);
- each image clip: ``<adjust-conform type="fill">`` (cover, as docs/timeline.md) and an
  ``<adjust-transform>`` whose ``scale`` and ``position`` are keyframed at the clip's first frame
  and one frame past its last (the Ken Burns move; position in FCPXML's units, percent of the
  frame height, y up);
- each video clip with a playback rate, and each held last frame: a ``<timeMap>``;
- the music: an ``<adjust-volume>`` whose ``amount`` is keyframed in dB along the ducking envelope.

It edits XML text it is handed; it does not build the OTIO timeline (editorial.py) or write
files.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ElementTree
from fractions import Fraction

from moviebuild.timeline.editorial import frame_count
from moviebuild.timeline.model import ImageClip, MusicClip, Timeline

#: -96 dB stands for silence (FCPXML's volume is in dB; a gain of 0 has none).
SILENCE_DB = -96.0


def seconds(frames: float, fps: int) -> str:
    """FCPXML's rational seconds: ``0s``, ``5s``, ``1001/30000s``."""
    value = Fraction(frames).limit_denominator(1_000_000) / fps
    if value == 0:
        return "0s"
    if value.denominator == 1:
        return f"{value.numerator}s"
    return f"{value.numerator}/{value.denominator}s"


def decibels(gain: float) -> str:
    db = SILENCE_DB if gain <= 0 else max(SILENCE_DB, 20 * math.log10(gain))
    return f"{db:.2f}dB"


def add_motion(
    xml_text: str,
    timeline: Timeline,
    *,
    images: dict[str, ImageClip],
    speeds: dict[str, float],
    holds: dict[str, int],
    music: dict[str, MusicClip],
) -> str:
    """``xml_text`` (the adapter's FCPXML) with the frame size, Ken Burns transforms, time maps
    and the music's volume keyframes. ``images``, ``speeds`` (playback rate), ``holds`` (the
    held source frame) and ``music`` are keyed by the clip names in the document."""
    fps = timeline.fps
    body = xml_text.split("\n", 2)
    # ElementTree drops the DOCTYPE line; keep the adapter's header as it wrote it.
    header = [line for line in body[:2] if line.startswith("<?xml") or line.startswith("<!")]
    root = ElementTree.fromstring(xml_text)
    for format_element in root.iter("format"):
        format_element.set("width", str(timeline.width))
        format_element.set("height", str(timeline.height))
    for clip in root.iter("clip"):
        name = clip.get("name", "")
        added: list[ElementTree.Element] = []
        if name in speeds or name in holds:
            added.append(_time_map(clip, fps, speeds.get(name), holds.get(name)))
        if name in images:
            added.extend(_ken_burns(images[name], timeline))
        if name in music:
            added.append(_volume(music[name], fps))
        for index, element in enumerate(added):
            clip.insert(index, element)
    ElementTree.indent(root, space="    ")
    return "\n".join([*header, ElementTree.tostring(root, encoding="unicode")]) + "\n"


def _time_map(
    clip: ElementTree.Element, fps: int, rate: float | None, hold: int | None
) -> ElementTree.Element:
    """Clip time -> source time: linear at ``rate``, or one source frame held throughout."""
    duration = _frames(clip.get("duration", "0s"), fps)
    time_map = ElementTree.Element("timeMap")
    points: list[tuple[float, float]]
    if hold is not None:
        points = [(0, hold), (duration, hold)]
    else:
        points = [(0, 0), (duration, duration * (rate or 1.0))]
    for time, value in points:
        ElementTree.SubElement(time_map, "timept", {
            "time": seconds(time, fps), "value": seconds(value, fps), "interp": "linear",
        })
    return time_map


def _ken_burns(clip: ImageClip, timeline: Timeline) -> list[ElementTree.Element]:
    fps, width, height = timeline.fps, timeline.width, timeline.height
    end = frame_count(clip.duration_s, fps)
    conform = ElementTree.Element("adjust-conform", {"type": "fill"})
    move = clip.ken_burns

    def position(offset_x: float, offset_y: float) -> str:
        # Our offsets are fractions of the frame's width and height, y down; FCPXML's
        # position is in percent of the frame height, y up.
        return f"{offset_x * width / height * 100 + 0.0:.4f} {-offset_y * 100 + 0.0:.4f}"

    start_position = position(move.start.offset_x, move.start.offset_y)
    transform = ElementTree.Element("adjust-transform", {
        "position": start_position, "scale": f"{move.start.scale:.6f} {move.start.scale:.6f}",
    })
    for param, first, last in (
        ("position", start_position, position(move.end.offset_x, move.end.offset_y)),
        ("scale", f"{move.start.scale:.6f} {move.start.scale:.6f}",
         f"{move.end.scale:.6f} {move.end.scale:.6f}"),
    ):
        keyframes = ElementTree.SubElement(
            ElementTree.SubElement(transform, "param", {"name": param}), "keyframeAnimation"
        )
        for time, value in ((0, first), (end, last)):
            ElementTree.SubElement(keyframes, "keyframe", {
                "time": seconds(time, fps), "value": value, "interp": "linear",
            })
    return [conform, transform]


def _volume(clip: MusicClip, fps: int) -> ElementTree.Element:
    volume = ElementTree.Element("adjust-volume", {"amount": decibels(clip.envelope[0].volume)})
    keyframes = ElementTree.SubElement(
        ElementTree.SubElement(volume, "param", {"name": "amount"}), "keyframeAnimation"
    )
    for point in clip.envelope:
        ElementTree.SubElement(keyframes, "keyframe", {
            "time": seconds(point.time_s * fps, fps), "value": decibels(point.volume),
        })
    return volume


def _frames(text: str, fps: int) -> float:
    """FCPXML seconds (``5s``, ``10/3s``) in frames."""
    value = text.removesuffix("s")
    number = Fraction(value) if "/" in value else Fraction(value or "0")
    return float(number * fps)
