"""Your own media in the studio, in Debian's Chromium: a picture dropped on a segment's image slot
is uploaded to it, shows as "yours" and is built without its image call; what the server
refuses (a text file named .png, a file over the cap) shows in the slot with the server's words;
handing the slot back brings the generator back: one call, as it never drew that slot before."""

from __future__ import annotations

import base64
import io
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.studio.harness import Running, small_moviefile
from tests.studio.test_studio_e2e import planned_in_dialog, shoot, sign_in, wait_for_revision

pytestmark = pytest.mark.studio_e2e

SLOT = "SegmentImage[1][1]"
PRODUCER = "TextToImageProducer[1][1]"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 180), (250, 200, 0)).save(out, "PNG")
    return out.getvalue()


def drop(page: Any, slot: str, name: str, data: bytes | None = None, size: int = 0) -> None:
    """Drops a file on the slot as a person dragging it from their desktop would: a ``drop``
    event carrying a DataTransfer with the file (``data``, or ``size`` zero bytes)."""
    page.evaluate(
        """([slot, name, data, size]) => {
            const bytes = data === null ? new Uint8Array(size)
                : Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, {type: 'image/png'}));
            const target = document.querySelector(`[data-slot="${slot}"]`);
            for (const type of ['dragenter', 'dragover', 'drop']) {
                target.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true,
                                                          dataTransfer: transfer}));
            }
        }""",
        [slot, name, None if data is None else base64.b64encode(data).decode(), size],
    )


def build(page: Any, revision: int) -> set[str]:
    page.get_by_role("button", name="Build", exact=True).click()
    planned = planned_in_dialog(page)
    page.locator("dialog").get_by_role("button", name="Run").click()
    wait_for_revision(page, revision)
    return planned


def test_a_dropped_image_is_yours_built_without_its_call_refused_when_wrong_and_handed_back(
    page: Any, studio: Running, screenshots: Path
) -> None:
    # A movie not built yet: its slots wait empty, ready for a file.
    movie = studio.api.call("POST", "/v1/movies", {"moviefile": small_moviefile(
        "Tell me about harbours"), "dry_run": True})["id"]
    sign_in(page, studio, movie)
    slot = page.locator(f"[data-slot='{SLOT}']")
    expect(slot).to_have_attribute("data-source", "generated")
    expect(slot).to_contain_text("Drop your image here")
    calls = studio.adapter.calls.count(PRODUCER)

    # Dropped: the slot is yours, for the page and for the API.
    drop(page, SLOT, "harbour.png", png())
    expect(slot).to_have_attribute("data-source", "yours")
    expect(slot.locator(".badge.yours")).to_have_text("yours")
    # Until a build uses it, the slot previews the file sent and says when it counts.
    expect(slot.locator("img")).to_have_attribute("src", re.compile("^blob:"))
    expect(slot.locator(f"[data-slot-next='{SLOT}']")).to_contain_text("from the next build")
    own = studio.api.call("GET", f"/v1/movies/{movie}")["own_media"]
    assert [(media["id"], media["source"]) for media in own] == [(SLOT, "yours")]

    # Built: the dry run and the build leave that slot's image call out; the slot shows the
    # picture, whose bytes the server serves back.
    planned = build(page, 1)
    assert PRODUCER not in planned and "TextToImageProducer[2][1]" in planned
    assert studio.adapter.calls.count(PRODUCER) == calls
    link = studio.api.call("GET", f"/v1/movies/{movie}")["assets"][SLOT]
    with urllib.request.urlopen(link, timeout=30) as served:
        assert served.read() == png()
    expect(slot.locator("img")).to_have_attribute("src", link)
    expect(slot.locator("[data-slot-next]")).to_have_count(0)

    # Refused: a text file named .png (picked, as from a keyboard or a phone) and a file over
    # the cap (dropped) show the server's message and hint in their slot; nothing changes.
    other = "SegmentImage[2][1]"
    page.get_by_label("Use your own file for Segment 2, image 1").set_input_files(
        {"name": "notes.png", "mimeType": "image/png", "buffer": b"just some words\n"})
    refusal = page.locator(f"[data-slot-problem='{other}']")
    expect(refusal).to_contain_text(f"not a usable image for {other}")
    expect(refusal).to_contain_text("it holds text")
    page.locator("[data-segment='1']").evaluate("(row) => row.scrollIntoView()")
    shoot(page, screenshots, "own-media", f"[data-slot='{other}']")
    drop(page, other, "huge.png", size=51 << 20)
    expect(refusal).to_contain_text("at most 50 MB")
    expect(refusal).to_contain_text("make it smaller")
    own = studio.api.call("GET", f"/v1/movies/{movie}")["own_media"]
    assert [media["id"] for media in own] == [SLOT]
    expect(page.locator(f"[data-slot='{other}']")).to_have_attribute("data-source", "generated")

    # Handed back: the generator has the slot again and runs once on the next build.
    page.get_by_role("button", name="Hand Segment 1, image 1 back to the generator").click()
    expect(slot).to_have_attribute("data-source", "generated")
    assert studio.api.call("GET", f"/v1/movies/{movie}")["own_media"] == []
    assert PRODUCER in build(page, 2)
    assert studio.adapter.calls.count(PRODUCER) == calls + 1

