"""The studio end to end: Debian's Chromium, driven by Playwright, uses the page exactly as a
person would against a real server on 127.0.0.1, and the test checks the page against what the
HTTP API says. Small movies (20 s, one image per segment, 480p) with the offline providers."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.studio.conftest import DESKTOP, PHONE
from tests.studio.harness import Running, small_moviefile

pytestmark = pytest.mark.studio_e2e

BUILD_TIMEOUT_MS = 180_000


def sign_in(page: Any, studio: Running, movie: str | None = None) -> None:
    page.goto(f"{studio.base_url}/studio/" + (f"#/movies/{movie}" if movie else ""))
    page.get_by_label("Access token").fill(studio.api.token)
    page.get_by_role("button", name="Open").click()
    page.wait_for_selector("body[data-state=ready]")


def wait_for_revision(page: Any, revision: int) -> None:
    page.wait_for_selector(
        f"main[data-revision='{revision}'][data-building='no']", timeout=BUILD_TIMEOUT_MS
    )
    page.wait_for_selector(f"[data-testid=player][data-revision='{revision}']")


def shoot(page: Any, folder: Path, name: str, subject: str | None = None) -> None:
    """The viewport at 1280x800 and at 390x844, as ``NAME-1280x800.png`` and ``NAME-390x844.png``,
    scrolled to the ``subject`` selector if given; at 390 px nothing may be wider than the
    screen."""
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        if subject is not None:
            page.locator(subject).first.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        page.screenshot(path=str(folder / f"{name}-{size['width']}x{size['height']}.png"))
        if size is PHONE:
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name}: the page is {width} px wide at 390 px"
    page.set_viewport_size(DESKTOP)


def unlabelled_controls(page: Any) -> list[str]:
    """Buttons, fields and selects that a screen reader could not name."""
    result: list[str] = page.evaluate(
        """() => [...document.querySelectorAll('button, input, select, textarea')]
            .filter((el) => !(el.getAttribute('aria-label') || (el.labels && el.labels.length)
                              || el.textContent.trim()))
            .map((el) => el.outerHTML.slice(0, 80))"""
    )
    return result


def planned_in_dialog(page: Any) -> set[str]:
    page.wait_for_selector("dialog[open]")
    return {
        row.get_attribute("data-planned-job")
        for row in page.locator("dialog [data-planned-job]").all()
    }


def started_jobs(events: list[dict[str, Any]]) -> set[str]:
    return {event["job"] for event in events if event["type"] == "job-started"}


def test_a_movie_is_created_watched_edited_and_rebuilt_running_only_the_dry_runs_jobs(
    page: Any, studio: Running, screenshots: Path
) -> None:
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    sign_in(page, studio)
    page.get_by_label("What is it about?").fill("Tell me about lighthouses")
    page.get_by_role("button", name="Create and build").click()
    page.wait_for_selector("main[data-movie]")
    movie = page.locator("main").get_attribute("data-movie")

    # Watch it build: the streamed events fill the build panel, then the Player shows r1.
    wait_for_revision(page, 1)
    assert "Last build: complete" in page.locator("#build-heading").inner_text()
    streamed = page.locator("[data-testid=build-jobs] [data-job]")
    first_build = started_jobs(studio.api.events(movie))
    assert {job.get_attribute("data-job") for job in streamed.all()} == first_build
    assert unlabelled_controls(page) == []
    shoot(page, screenshots, "movie-page")

    # Edit segment 2's narration; the dry run lists exactly what the API's dry run lists.
    new_words = "Segment two, told again: the keepers who climbed the stairs every night."
    page.get_by_label("Segment 2, narration", exact=True).fill(new_words)
    review = page.get_by_role("button", name="Review 1 edit")
    review.focus()
    page.keyboard.press("Enter")
    planned = planned_in_dialog(page)
    api_plan = studio.api.call(
        "POST", f"/v1/movies/{movie}/builds",
        {"overrides": {"SegmentNarration[2]": new_words}, "dry_run": True},
    )["plan"]
    assert planned == {job["id"] for job in api_plan["jobs"]}
    assert "AudioProducer[2]" in planned and "AudioProducer[1]" not in planned
    # The keyboard alone confirms or cancels: focus starts on the confirm button.
    assert page.evaluate("document.activeElement.textContent").startswith("Run ")
    shoot(page, screenshots, "dry-run")
    page.keyboard.press("Escape")
    page.wait_for_selector("dialog[open]", state="detached")
    review.focus()
    page.keyboard.press("Enter")
    planned_in_dialog(page)
    last_event = studio.api.events(movie)[-1]["id"]
    page.keyboard.press("Enter")

    # Only those jobs run, and the Player switches to the new revision.
    wait_for_revision(page, 2)
    assert started_jobs(studio.api.events(movie, after=last_event)) == planned
    shown = {job.get_attribute("data-job") for job in streamed.all()}
    assert shown == planned
    assert page.get_by_label("Segment 2, narration", exact=True).input_value() == new_words

    # History: what changed in r2, then checkout of r1.
    page.get_by_role("tab", name="Segments").focus()
    page.keyboard.press("ArrowRight")  # the tabs take arrow keys
    expect(page.get_by_role("tab", name="History")).to_be_focused()
    page.get_by_role("button", name="r2", exact=True).click()
    expect(page.get_by_test_id("revision-detail")).to_contain_text("edit Segment 2, narration")
    shoot(page, screenshots, "history", ".history")
    page.get_by_role("button", name="Check out r1").click()
    wait_for_revision(page, 1)
    assert studio.api.call("GET", f"/v1/movies/{movie}")["revision"] == 1

    # The token travelled only in headers and a same-site cookie.
    assert not [url for url in urls if studio.api.token in url]
    cookies = page.context.cookies()
    assert [cookie["sameSite"] for cookie in cookies] == ["Strict"]


def test_a_provider_400_shows_with_its_blocked_jobs_and_retry_fixes_it(
    page: Any, studio: Running, screenshots: Path
) -> None:
    failing = "TextToImagePromptProducer[2]"
    studio.adapter.refuse.add(failing)
    try:
        movie = studio.api.call("POST", "/v1/movies", {"moviefile": small_moviefile(
            "Tell me about the tides")})["id"]
        sign_in(page, studio, movie)
        wait_for_revision(page, 1)
        failure = page.locator(f"[data-failed-job='{failing}']")
        assert "content policy: this prompt cannot be drawn" in failure.inner_text()
        # Jobs show as the blueprints name them, not as ids.
        assert failure.locator("b").first.inner_text() == "Segment 2, image prompts"
        api_errors = studio.api.call("GET", f"/v1/movies/{movie}/errors")["errors"]
        blocks = next(error["blocks"] for error in api_errors if error["job"] == failing)
        assert blocks and {
            job.get_attribute("data-blocked-job")
            for job in failure.locator("[data-blocked-job]").all()
        } == set(blocks)
        row = page.locator("[data-segment='2']")
        expect(row.locator(f"[data-job='{failing}']")).to_have_attribute("data-status", "failed")
        expect(row.locator(".job-message")).to_contain_text("content policy")
        shoot(page, screenshots, "provider-error", ".errors")
        failure.get_by_role("button", name="Edit the prompt").click()
        expect(page.get_by_label("Segment 2, narration", exact=True)).to_be_focused()
    finally:
        studio.adapter.refuse.clear()

    failure.get_by_role("button", name="Retry").click()
    planned = planned_in_dialog(page)
    assert failing in planned and set(blocks) <= planned
    page.locator("dialog").get_by_role("button", name="Run").click()
    wait_for_revision(page, 2)
    assert page.locator("[data-failed-job]").count() == 0
    assert studio.api.call("GET", f"/v1/movies/{movie}/errors")["errors"] == []


def test_a_reload_during_a_build_resumes_its_progress_from_the_last_event_id(
    page: Any, studio: Running
) -> None:
    movie = studio.api.call("POST", "/v1/movies", {"moviefile": small_moviefile(
        "Tell me about windmills")})["id"]
    sign_in(page, studio, movie)
    wait_for_revision(page, 1)
    held = "TextToImageProducer[1][1]"
    studio.adapter.release.clear()
    studio.adapter.held.clear()
    studio.adapter.hold.add(held)
    try:
        page.get_by_role("button", name="New take of Segment 1, image 1").click()
        planned_in_dialog(page)
        page.locator("dialog").get_by_role("button", name="Run").click()
        assert studio.adapter.held.wait(60), "the new take never reached the provider"
        page.wait_for_selector(f"[data-testid=build-jobs] [data-job='{held}'][data-status=running]")
        seen = studio.api.events(movie)[-1]["id"]

        asked: list[str] = []
        page.on(
            "request",
            lambda request: asked.append(request.headers.get("last-event-id", ""))
            if request.url.endswith("/events") else None,
        )
        page.reload()
        page.wait_for_selector("body[data-state=ready]")  # the same-site cookie signed it in
        page.wait_for_selector(
            "main[data-building='yes'] [data-testid=build-jobs] "
            f"[data-job='{held}'][data-status=running]"
        )
        assert asked and int(asked[0]) == seen
    finally:
        studio.adapter.hold.clear()
        studio.adapter.release.set()
    wait_for_revision(page, 2)
    assert "Last build: complete" in page.locator("#build-heading").inner_text()

    # A configuration control built from the Moviefile schema in /v1/openapi.json.
    page.get_by_text("Configuration").click()
    page.get_by_label("Image style").select_option("watercolor")
    page.get_by_role("button", name="Review 1 edit").click()
    api_plan = studio.api.call(
        "POST", f"/v1/movies/{movie}/builds",
        {"config": {"image_style": "watercolor"}, "dry_run": True},
    )["plan"]
    assert planned_in_dialog(page) == {job["id"] for job in api_plan["jobs"]}
    assert "TextToImageProducer[2][1]" in planned_in_dialog(page)


def test_moviebuild_studio_opens_its_folder_without_asking_for_a_token(
    page: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "bridges"
    folder.mkdir()
    (folder / "Moviefile.yaml").write_text(
        'inquiry: "Tell me about bridges"\nduration: 20\nimages_per_segment: 1\nsize: 480p\n',
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "moviebuild", "-C", str(folder), "studio", "--port", "0",
               "--no-open"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as studio:
        try:
            assert studio.stdout is not None
            line = studio.stdout.readline()
            url = line.split(" at ", 1)[1].split(" ", 1)[0]
            assert url.endswith("/studio/#/movies/bridges"), line
            page.goto(url)
            page.wait_for_selector("main[data-movie=bridges][data-status=unbuilt]")
            expect(page.get_by_text("No revision yet")).to_be_visible()
        finally:
            studio.send_signal(signal.SIGINT)
            studio.wait(30)


def test_an_edited_prompt_is_reset_after_its_dry_run_and_history_compares_its_image(
    page: Any, studio: Running, screenshots: Path
) -> None:
    prompt, image = "SegmentImagePrompt[2][1]", "SegmentImage[2][1]"
    image_label = "Segment 2, image 1"
    movie = studio.api.call("POST", "/v1/movies", {"moviefile": small_moviefile(
        "Tell me about canals")})["id"]
    sign_in(page, studio, movie)
    wait_for_revision(page, 1)
    generated = studio.api.call("GET", f"/v1/movies/{movie}")["prompts"]
    generated_text = next(p["text"] for p in generated if p["id"] == prompt)
    studio.api.call("POST", f"/v1/movies/{movie}/builds",
                    {"overrides": {prompt: "A narrow boat under a red brick bridge."}})
    wait_for_revision(page, 2)

    # Reset: the edited text offers it, and it is a dry run first, the same as the API's.
    field = page.locator(f"[data-prompt='{prompt}']")
    expect(field.locator(".badge.edited")).to_be_visible()
    edited = studio.api.call("GET", f"/v1/movies/{movie}")["prompts"]
    under_edit = next(p for p in edited if p["id"] == prompt).get("generated")
    if under_edit is None:  # the state knows no generated text under this edit: none is shown
        expect(field.locator(f"[data-generated='{prompt}']")).to_have_count(0)
    else:
        field.get_by_text("The generator's text").click()
        expect(field.locator(f"[data-generated='{prompt}']")).to_have_text(under_edit)
    field.get_by_role("button", name="to the generator's text").click()
    planned = planned_in_dialog(page)
    api_plan = studio.api.call(
        "POST", f"/v1/movies/{movie}/builds", {"overrides": {prompt: None}, "dry_run": True},
    )["plan"]
    assert planned == {job["id"] for job in api_plan["jobs"]}
    # The generated prompt's image is still stored: nothing runs, and the reset is a revision.
    assert planned == set()
    expect(page.locator("#dry-run-heading")).to_contain_text("reset of Segment 2, image prompt 1")
    expect(page.get_by_test_id("dry-run-summary")).to_contain_text("Nothing needs to run")
    last_event = studio.api.events(movie)[-1]["id"]
    page.locator("dialog").get_by_role("button", name="Apply (nothing to run)").click()
    wait_for_revision(page, 3)
    expect(field.locator(".badge.edited")).to_have_count(0)
    expect(field.locator("textarea")).to_have_value(generated_text)
    assert started_jobs(studio.api.events(movie, after=last_event)) == set()
    state = studio.api.call("GET", f"/v1/movies/{movie}")
    assert next(p for p in state["prompts"] if p["id"] == prompt)["source"] == "generated"

    # History: the image in r1 (generated) and r2 (edited) side by side, then r1 against r3.
    page.get_by_role("tab", name="History").click()
    compare = page.get_by_test_id("compare")
    compare.get_by_label("Left revision").select_option("1")
    compare.get_by_label("Right revision").select_option("2")
    compare.get_by_label("Artifact").select_option(image)
    expect(page.get_by_test_id("compare-verdict")).to_have_text(f"{image_label}: r1 and r2 differ")
    sources = []
    for revision in (1, 2):
        picture = compare.get_by_role("img", name=f"{image_label} in r{revision}")
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0",
                               arg=picture.element_handle())
        sources.append(picture.get_attribute("src"))
    documents = [studio.api.call("GET", f"/v1/movies/{movie}/revisions/r{r}") for r in (1, 2)]
    assert sources == [document["links"][image] for document in documents]
    assert not [src for src in sources if studio.api.token in (src or "")]
    assert unlabelled_controls(page) == []
    shoot(page, screenshots, "compare", "[data-testid=compare]")
    compare.get_by_label("Right revision").select_option("3")
    expect(page.get_by_test_id("compare-verdict")).to_have_text(
        f"{image_label}: the same file in r1 and r3"
    )


def test_the_player_plays_the_timeline_with_captions_above_its_controls(
    page: Any, studio: Running, screenshots: Path
) -> None:
    movie = studio.api.call("POST", "/v1/movies", {"moviefile": small_moviefile(
        "Tell me about the first radio")})["id"]
    sign_in(page, studio, movie)
    wait_for_revision(page, 1)
    timeline = studio.api.call("GET", f"/v1/movies/{movie}")["timeline"]
    fps = timeline["fps"]
    stage = page.locator(".player-stage")
    expect(stage).to_have_attribute("data-frame", "0")
    # No Remotion in the page: the player is plain elements, one <audio> per narration and music.
    assert page.evaluate("Object.keys(window).filter((k) => /remotion/i.test(k))") == []
    audio = page.locator(".player-stage audio")
    assert audio.count() == len(timeline["tracks"]["narration"]) + len(timeline["tracks"]["music"])

    # Seek into the second caption: it is drawn inside the picture, above the controls.
    caption = timeline["tracks"]["captions"][1]
    frame = round((caption["start_s"] + caption["end_s"]) / 2 * fps)
    page.get_by_label("Position").fill(str(frame))
    expect(stage).to_have_attribute("data-frame", str(frame))
    box = page.get_by_test_id("caption").bounding_box()
    picture = stage.bounding_box()
    controls = page.locator(".player-controls").bounding_box()
    assert box is not None and picture is not None and controls is not None
    assert picture["y"] <= box["y"] and box["y"] + box["height"] <= picture["y"] + picture["height"]
    assert box["y"] + box["height"] <= controls["y"]
    first_word = caption["words"][0]["text"] if caption.get("words") else caption["text"]
    expect(page.get_by_test_id("caption")).to_contain_text(first_word)

    # Play: the frame and the narration move on together; pause stops both.
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        "(least) => Number(document.querySelector('.player-stage').dataset.frame) >= least",
        arg=frame + fps,
    )
    playing_audio = page.evaluate(
        "[...document.querySelectorAll('.player-stage audio')]"
        ".filter((a) => !a.paused && a.currentTime > 0).length"
    )
    assert playing_audio >= 1, "no narration or music played: " + str(page.evaluate(
        "[...document.querySelectorAll('.player-stage audio')]"
        ".map((a) => [a.paused, a.currentTime, a.readyState, a.error && a.error.message])"
    ))
    shoot(page, screenshots, "player-playing", ".player")
    page.get_by_role("button", name="Pause").click()
    expect(stage).to_have_attribute("data-playing", "no")
    stopped = stage.get_attribute("data-frame")
    page.wait_for_timeout(300)
    assert stage.get_attribute("data-frame") == stopped
    assert page.evaluate(
        "[...document.querySelectorAll('.player-stage audio')].every((a) => a.paused)"
    )
    # Captions off: the box goes, the picture stays.
    page.get_by_label("Captions").uncheck()
    expect(page.get_by_test_id("caption")).to_have_count(0)
