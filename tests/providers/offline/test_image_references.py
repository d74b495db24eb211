"""The offline image generator visibly uses a continuity reference: its colours and an inset."""

from __future__ import annotations

import io

from PIL import Image

from moviebuild.providers.offline.image import render_image


def _png(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), color).save(out, "PNG")
    return out.getvalue()


def _pixels(data: bytes) -> list[tuple[int, int, int]]:
    raw = Image.open(io.BytesIO(data)).convert("RGB").tobytes()
    return [(raw[i], raw[i + 1], raw[i + 2]) for i in range(0, len(raw), 3)]


def test_a_reference_leads_the_palette_and_is_inset() -> None:
    prompt = "wide establishing shot of harbour, keeper, lamp, scene 1.1, watercolor style"
    plain = render_image(prompt, style="flat", width=320, height=180)
    red = (220, 20, 30)
    with_sheet = render_image(
        prompt, style="flat", width=320, height=180, references=[("Ada", _png(red))]
    )
    assert with_sheet != plain
    pure = sum(1 for p in _pixels(with_sheet) if p == red)
    assert pure >= 20 * 20  # the inset shows the sheet's picture as it is
    assert not any(p == red for p in _pixels(plain))
    # The same request gives the same bytes.
    again = render_image(
        prompt, style="flat", width=320, height=180, references=[("Ada", _png(red))]
    )
    assert again == with_sheet
