"""Research sources in the studio, in Debian's Chromium: the movie page of examples/research shows
its research notes as an editable text and lists its sources and reference sheet as the HTTP
API's MovieState has them."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import expect

from tests.studio.harness import Running, small_moviefile
from tests.studio.test_studio_e2e import shoot, sign_in, wait_for_revision

pytestmark = pytest.mark.studio_e2e


def test_the_movie_page_shows_the_research_notes_to_edit_and_the_sources_they_cite(
    page: Any, studio: Running, screenshots: Path
) -> None:
    # A movie with sources is a folder holding them (the HTTP API creates movies from a
    # Moviefile alone): examples/research, made small and built with the test's providers.
    example = Path(__file__).resolve().parents[2] / "examples" / "research"
    moviefile = yaml.safe_load((example / "Moviefile.yaml").read_text())
    moviefile.update(small_moviefile(moviefile["inquiry"]))
    folder = studio.server.root.create_movie("acme", "m-research", yaml.safe_dump(moviefile))
    for name in ("keepers.md", "fresnel.html", "sheets"):
        copy = shutil.copytree if (example / name).is_dir() else shutil.copy
        copy(example / name, folder / name)
    studio.api.call("POST", "/v1/movies/m-research/builds", {})
    sign_in(page, studio, "m-research")
    wait_for_revision(page, 1)

    state = studio.api.call("GET", "/v1/movies/m-research")
    notes = next(p for p in state["prompts"] if p["id"] == "ResearchNotes")
    assert page.get_by_label("Research notes", exact=True).input_value() == notes["text"]
    assert "[1]" in notes["text"]
    shown = page.locator("[data-source-number]")
    expect(shown).to_have_count(len(state["sources"]))
    for source in state["sources"]:
        row = page.locator(f"[data-source-number='{source['number']}']")
        expect(row).to_contain_text(source["title"])
        if source["segments"]:
            expect(row).to_contain_text("cited in segment")
    expect(page.locator("[data-reference='lighthouse']")).to_contain_text("red and white bands")
    shoot(page, screenshots, "sources", ".sources")
