"""``moviebuild.connect``: the same scenario through the Python client and through raw HTTP
gives the same states; server problems become the usual errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import moviebuild
from moviebuild.cli.reports import render_plan
from moviebuild.errors import ConfigError, StoreError
from moviebuild.project.changes import Changes
from moviebuild.testing.fake import FaultRule
from tests.server.harness import Http, Running, moviefile, running_server

ALL_FAKE = {role: {"adapter": "fake"} for role in ("text", "speech", "music", "image", "video")}
NEW_WORDS = {"SegmentNarration[2]": "Lincoln rides north."}
FAULT = FaultRule("TextToImagePromptProducer[3]", 400, message="nope")


def comparable(state: dict[str, Any]) -> dict[str, Any]:
    """A state without what differs between two servers: link URLs."""
    return {**state, "assets": sorted(state["assets"])}


def through_http(running: Running) -> list[dict[str, Any]]:
    http = running.as_tenant("acme")
    states = []
    answer = http.post("/v1/movies", {"moviefile": moviefile(providers=ALL_FAKE)}).json()
    movie_id, after = answer["id"], answer["events_after"]

    def build(body: dict[str, Any]) -> None:
        answer = http.post(f"/v1/movies/{movie_id}/builds", body)
        assert answer.status == 202, answer.body
        http.wait_for_build(movie_id, answer.json()["events_after"])

    http.wait_for_build(movie_id, after)
    states.append(http.get(f"/v1/movies/{movie_id}").json())
    build({"overrides": NEW_WORDS})
    states.append(http.get(f"/v1/movies/{movie_id}").json())
    running.fake.faults.append(FAULT)
    build({"redo": ["TextToImagePromptProducer[3]"]})
    states.append(http.get(f"/v1/movies/{movie_id}").json())
    running.fake.faults.clear()
    build({})
    states.append(http.get(f"/v1/movies/{movie_id}").json())
    answer = http.post(f"/v1/movies/{movie_id}/checkout", {"revision": 1, "force": True})
    states.append(answer.json())
    return states


def through_connect(running: Running) -> list[dict[str, Any]]:
    _, token = running.server.tokens.create("acme")
    server = moviebuild.connect(running.base_url, token)
    states = []
    movie = server.create(moviefile(providers=ALL_FAKE))
    states.append(movie.state())
    movie.build(Changes(overrides=NEW_WORDS))
    states.append(movie.state())
    running.fake.faults.append(FAULT)
    build = movie.build(Changes(redo=["TextToImagePromptProducer[3]"]))
    assert build.outcome == "incomplete"
    assert [job.id for job in build.failed()] == ["TextToImagePromptProducer[3]"]
    states.append(movie.state())
    running.fake.faults.clear()
    movie.build()
    states.append(movie.state())
    states.append(movie.checkout("r1", force=True))
    assert [entry.name for entry in movie.log()] == ["r1", "r2", "r3", "r4"]
    return [state.model_dump(mode="json") for state in states]


def test_the_python_client_and_raw_http_give_the_same_states(tmp_path: Path) -> None:
    with running_server(tmp_path / "one") as running:
        by_http = through_http(running)
    with running_server(tmp_path / "two") as running:
        by_client = through_connect(running)
    assert [s["status"] for s in by_client] == [
        "complete", "complete", "incomplete", "complete", "complete"
    ]
    assert [comparable(s) for s in by_client] == [comparable(s) for s in by_http]


def test_a_remote_movie_plans_like_a_local_one_and_reports_events(tmp_path: Path) -> None:
    with running_server(tmp_path / "root") as running:
        _, token = running.server.tokens.create("acme")
        server = moviebuild.connect(running.base_url, token)
        seen: list[moviebuild.BuildEvent] = []
        movie = server.create(moviefile(), on_event=seen.append)
        assert isinstance(seen[0], moviebuild.BuildStarted)
        assert isinstance(seen[-1], moviebuild.BuildFinished) and seen[-1].status == "complete"
        finished = [e for e in seen if isinstance(e, moviebuild.JobFinished)]
        assert {e.producer for e in finished} >= {"ScriptProducer", "AudioProducer"}
        plan = movie.plan(Changes(overrides=NEW_WORDS))
        assert isinstance(plan, moviebuild.PlanReport)
        assert {j.id for j in plan.jobs} >= {"AudioProducer[2]", "TextToImagePromptProducer[2]"}
        folder = running.server.root.movie_folder("acme", movie.id)
        local = moviebuild.open(folder).plan(Changes(overrides=NEW_WORDS))
        assert plan == local, "the same report through both doors"
        assert render_plan(plan) == render_plan(local)
        report = movie.build(Changes(overrides=NEW_WORDS))
        assert isinstance(report, moviebuild.BuildReport) and report.complete
        assert report.cost.estimate_usd == plan.cost.estimate_usd
        assert report.ran == plan.run_counts()
        (_first, latest) = movie.log()
        assert isinstance(latest, moviebuild.RevisionEntry) and latest.current
        assert latest.ran == report.ran
        assert [m.id for m in server.movies()] == [movie.id]


def test_server_problems_become_the_usual_errors(tmp_path: Path) -> None:
    with running_server(tmp_path / "root") as running:
        _, token = running.server.tokens.create("acme")
        server = moviebuild.connect(running.base_url, token)
        with pytest.raises(ConfigError, match=r"\$\.moviefile\.duration"):
            server.create(moviefile(duration="long"))
        with pytest.raises(StoreError, match="404"):
            server.movie("m-nothing").state()
        with pytest.raises(StoreError, match="401"):
            moviebuild.connect(running.base_url, "mbt_wrong").movies()
        assert token not in repr(server)
    with pytest.raises(StoreError, match="cannot reach"):
        moviebuild.connect(running.base_url, token).movies()


def test_connect_is_part_of_the_public_api() -> None:
    assert "connect" in moviebuild.__all__ and "connect" in dir(moviebuild)
    assert Http  # the raw-HTTP harness the scenario above compares with
