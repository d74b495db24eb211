"""Reading frames out of MP4s and comparing pictures (Pillow only), for the layout tests."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageChops, ImageStat

from moviebuild.media.ffmpeg import find_ffmpeg


def extract_frame(video: Path, index: int) -> Image.Image:
    """Frame ``index`` (0-based, in decoding order) as RGB."""
    with tempfile.TemporaryDirectory(prefix="moviebuild-frame-") as scratch:
        target = Path(scratch) / "frame.png"
        subprocess.run(
            [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-nostdin", "-i", str(video),
             "-vf", f"select=eq(n\\,{index})", "-frames:v", "1", "-y", str(target)],
            check=True,
        )  # fmt: skip
        return Image.open(target).convert("RGB")


def probe_streams(video: Path) -> tuple[int, bool]:
    """(decoded video frames, whether there is an audio stream)."""
    done = subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-nostdin", "-i", str(video), "-map", "0:v",
         "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    frames = [int(count) for count in re.findall(r"frame=\s*(\d+)", done.stderr)]
    return (frames[-1] if frames else 0), bool(re.search(r"Stream #\S+: Audio", done.stderr))


def mean_abs_diff(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference over the R, G and B channels, on the 0-255 scale."""
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def best_shift(a: Image.Image, b: Image.Image, radius: int) -> tuple[int, int, float]:
    """The integer shift (dx, dy) of ``b`` that best matches ``a``, with its difference."""
    width, height = a.size
    inner = (radius, radius, width - radius, height - radius)
    scores = [
        (mean_abs_diff(a.crop(inner), b.crop((inner[0] + dx, inner[1] + dy,
                                              inner[2] + dx, inner[3] + dy))), dx, dy)
        for dx in range(-radius, radius + 1)
        for dy in range(-radius, radius + 1)
    ]  # fmt: skip
    score, dx, dy = min(scores)
    return dx, dy, score


def rescaled_about_centre(image: Image.Image, factor: float) -> Image.Image:
    """``image`` scaled by ``factor`` about its centre, cropped or padded back to its size."""
    width, height = image.size
    scaled = image.resize((round(width * factor), round(height * factor)), Image.Resampling.BICUBIC)
    canvas = Image.new("RGB", image.size)
    canvas.paste(scaled, ((width - scaled.width) // 2, (height - scaled.height) // 2))
    return canvas


def bright_box(
    image: Image.Image, background: int, foreground: int
) -> tuple[float, float, float, float]:
    """The box (left, top, right, bottom) of the one bright rectangle on a dark ``image``.

    Each pixel's luma is read as the fraction of it the rectangle covers (``background`` is none,
    ``foreground`` all), so anti-aliased edges give sub-pixel positions. Luma, not colour: H.264
    keeps it at full resolution while it halves the chroma, which would smear a coloured edge.
    """
    span = foreground - background
    coverage = image.convert("L").point(
        lambda value: round(255 * min(1.0, max(0.0, (value - background) / span)))
    )
    columns = [ImageStat.Stat(coverage.crop((x, 0, x + 1, image.height))).sum[0] / 255
               for x in range(image.width)]  # fmt: skip
    rows = [ImageStat.Stat(coverage.crop((0, y, image.width, y + 1))).sum[0] / 255
            for y in range(image.height)]  # fmt: skip
    area = sum(columns)
    assert area > 0, "no bright rectangle in the frame"
    box_w, box_h = area / max(columns), area / max(rows)
    centre_x = sum(x * count for x, count in enumerate(columns)) / area + 0.5
    centre_y = sum(y * count for y, count in enumerate(rows)) / area + 0.5
    return centre_x - box_w / 2, centre_y - box_h / 2, centre_x + box_w / 2, centre_y + box_h / 2
