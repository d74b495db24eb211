"""The HTTP API end to end on a real server on 127.0.0.1: create, stream to completion,
regenerate, a provider 400 and its blocked dependents, retry, checkout, delete."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter, FaultRule
from tests.server.harness import Http, Running, moviefile, running_server

ALL_FAKE = {role: {"adapter": "fake"} for role in ("text", "speech", "music", "image", "video")}


def calls_since(running: Running, before: Counter[str]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in running.fake.calls.items() if v != before.get(k, 0)}


def create(http: Http, **fields: object) -> str:
    answer = http.post("/v1/movies", {"moviefile": moviefile(**fields)})
    assert answer.status == 201, answer.body
    movie_id: str = answer.json()["id"]
    assert answer.json()["build"]["status"] in ("queued", "running")
    return movie_id


def test_a_movie_is_created_streamed_regenerated_fixed_checked_out_and_deleted(
    tmp_path: Path,
) -> None:
    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        movie_id = create(http, providers=ALL_FAKE)
        events = http.wait_for_build(movie_id)
        kinds = Counter(e["type"] for e in events)
        assert kinds["build-started"] == 1 and kinds["build-finished"] == 1
        assert kinds["job-started"] == kinds["job-finished"] > 0
        assert events[-1]["status"] == "complete" and events[-1]["revision"] == 1
        assert [e["id"] for e in events] == list(range(1, len(events) + 1))

        state = http.get(f"/v1/movies/{movie_id}").json()
        assert state["status"] == "complete" and state["revision"] == 1
        link = state["assets"]["SegmentImage[2][1]"]
        asset = Http(running.base_url).get(link.removeprefix(running.base_url))
        assert asset.status == 200 and asset.body.startswith(b"fake-image:")

        # Regenerate with an override: exactly the calls downstream of that narration.
        before = Counter(running.fake.calls)
        answer = http.post(
            f"/v1/movies/{movie_id}/builds",
            {"overrides": {"SegmentNarration[2]": "Lincoln rides north."}},
        )
        assert answer.status == 202, answer.body
        build_id = answer.json()["build"]["id"]
        last = events[-1]["id"]
        events = http.wait_for_build(movie_id, after=last)
        assert events[0]["id"] == last + 1
        assert calls_since(running, before) == {
            "AudioProducer[2]": 1,
            "TextToImagePromptProducer[2]": 1,
            "TextToImageProducer[2][1]": 1,
        }
        build = http.get(f"/v1/movies/{movie_id}/builds/{build_id}").json()
        assert build["status"] == "complete" and build["revision"] == 2
        prompts = {p["id"]: p for p in http.get(f"/v1/movies/{movie_id}/prompts").json()["prompts"]}
        assert prompts["SegmentNarration[2]"]["source"] == "edited"
        assert prompts["SegmentNarration[2]"]["text"] == "Lincoln rides north."

        # A provider 400 shows in /errors with the job it blocks.
        running.fake.faults.append(FaultRule("TextToImagePromptProducer[3]", 400, message="nope"))
        answer = http.post(
            f"/v1/movies/{movie_id}/builds", {"redo": ["TextToImagePromptProducer[3]"]}
        )
        assert answer.status == 202
        events = http.wait_for_build(movie_id, after=events[-1]["id"])
        assert events[-1]["status"] == "incomplete"
        assert any(e["type"] == "job-failed" for e in events)
        errors = {e["job"]: e for e in http.get(f"/v1/movies/{movie_id}/errors").json()["errors"]}
        failed = errors["TextToImagePromptProducer[3]"]
        assert failed["kind"] == "needs-attention" and "nope" in failed["message"]
        assert "TextToImageProducer[3][1]" in failed["blocks"]
        assert errors["TextToImageProducer[3][1]"]["kind"] == "blocked-by"

        # The fault is fixed: building again retries only what failed or was blocked.
        running.fake.faults.clear()
        before = Counter(running.fake.calls)
        assert http.post(f"/v1/movies/{movie_id}/builds", {}).status == 202
        events = http.wait_for_build(movie_id, after=events[-1]["id"])
        assert events[-1]["status"] == "complete"
        assert set(calls_since(running, before)) <= {
            "TextToImagePromptProducer[3]", "TextToImageProducer[3][1]"
        }
        assert http.get(f"/v1/movies/{movie_id}/errors").json()["errors"] == []

        revisions = http.get(f"/v1/movies/{movie_id}/revisions").json()["revisions"]
        assert [r["name"] for r in revisions] == ["r1", "r2", "r3", "r4"]
        r2 = http.get(f"/v1/movies/{movie_id}/revisions/r2").json()
        assert "SegmentNarration[2]" in r2["diff_from_previous"]["overrides"]

        before = Counter(running.fake.calls)
        answer = http.post(f"/v1/movies/{movie_id}/checkout", {"revision": "r1", "force": True})
        assert answer.status == 200, answer.body
        assert answer.json()["revision"] == 1
        assert calls_since(running, before) == {}

        assert http.delete(f"/v1/movies/{movie_id}").status == 204
        assert http.get(f"/v1/movies/{movie_id}").status == 404
        assert http.get("/v1/movies").json()["movies"] == []


def test_a_dry_run_answers_the_plan_and_its_cost_and_calls_nothing(tmp_path: Path) -> None:
    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        answer = http.post("/v1/movies", {"moviefile": moviefile(), "dry_run": True})
        assert answer.status == 201, answer.body
        plan = answer.json()["plan"]
        assert answer.json()["build"] is None
        assert {j["reason"] for j in plan["jobs"]} == {"new"}
        fake = next(p for p in plan["cost"]["providers"] if p["provider"] == "fake")
        assert plan["cost"]["estimate_usd"] == 0.0 and fake["calls"] > 0
        assert sum(running.fake.calls.values()) == 0


def test_an_invalid_moviefile_is_refused_with_the_cli_message_and_a_json_path(
    tmp_path: Path,
) -> None:
    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        answer = http.post("/v1/movies", {"moviefile": moviefile(duraton=30)})
        assert answer.status == 422
        problem = answer.json()
        assert problem["where"] == "$.moviefile.duraton"
        assert "unknown key 'duraton'" in problem["message"]
        assert problem["hint"] == "did you mean 'duration'?"
        answer = http.post("/v1/movies", {"moviefile": moviefile(segments={2: {"use_video": 3}})})
        assert answer.json()["where"] == "$.moviefile.segments.2.use_video"
        answer = http.post("/v1/movies", {"moviefile": moviefile(store="/etc")})
        assert answer.status == 422 and answer.json()["where"] == "$.moviefile.store"
        assert http.get("/v1/movies").json()["movies"] == []


def test_a_second_build_while_one_runs_is_a_conflict_and_a_tenant_has_a_build_limit(
    tmp_path: Path,
) -> None:
    # A manual clock that never advances: the builds wait on it until they are cancelled.
    fake = FakeAdapter(clock=ManualClock(autojump=False), latency_s={"AudioProducer": 1.0})
    with running_server(tmp_path / "root", fake, max_builds_per_tenant=1) as running:
        http = running.as_tenant("acme")
        movie_id = create(http)
        answer = http.post(f"/v1/movies/{movie_id}/builds", {})
        assert answer.status == 409
        answer = http.post("/v1/movies", {"moviefile": moviefile()})
        assert answer.status == 429 and int(answer.headers["Retry-After"]) > 0
        build = http.get(f"/v1/movies/{movie_id}/builds/b1").json()
        assert http.post(f"/v1/movies/{movie_id}/builds/b1/cancel").status == 202
        events = http.wait_for_build(movie_id)
        assert events[-1]["status"] == "cancelled"
        assert build["id"] == "b1"
        assert http.get(f"/v1/movies/{movie_id}/builds/b1").json()["status"] == "cancelled"


def test_requests_without_a_valid_token_are_refused(tmp_path: Path) -> None:
    with running_server(tmp_path / "root") as running:
        running.as_tenant("acme")
        assert Http(running.base_url).get("/v1/movies").status == 401
        assert Http(running.base_url, "mbt_nope").get("/v1/movies").status == 401
        assert Http(running.base_url).get("/v1/openapi.json").status == 200
        entry, token = running.server.tokens.create("acme")
        assert Http(running.base_url, token).get("/v1/movies").status == 200
        running.server.tokens.revoke(entry.id)
        assert Http(running.base_url, token).get("/v1/movies").status == 401


def test_a_body_over_the_limit_is_refused(tmp_path: Path) -> None:
    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        big = {"moviefile": moviefile(inquiry="x" * 300_000)}
        answer = http.post("/v1/movies", big)
        assert answer.status == 413
        assert http.post("/v1/movies", raw=b"{not json").status == 400


def test_movies_are_listed_a_page_at_a_time(tmp_path: Path) -> None:
    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        created = sorted(
            http.post("/v1/movies", {"moviefile": moviefile(), "dry_run": True}).json()["id"]
            for _ in range(3)
        )
        first = http.get("/v1/movies?limit=2").json()
        assert [m["id"] for m in first["movies"]] == created[:2]
        rest = http.get(f"/v1/movies?limit=2&cursor={first['next_cursor']}").json()
        assert [m["id"] for m in rest["movies"]] == created[2:]
        assert rest["next_cursor"] is None
        assert first["movies"][0]["inquiry"] == "Tell me about the Civil War"
        assert http.get("/v1/movies?limit=0").status == 400


def test_events_of_one_build_follow_that_build_to_its_end(tmp_path: Path) -> None:
    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        created = http.post("/v1/movies", {"moviefile": moviefile()}).json()
        movie_id, first = created["id"], created["build"]["id"]
        http.wait_for_build(movie_id)
        second = http.post(
            f"/v1/movies/{movie_id}/builds", {"redo": ["TextToImageProducer[1][1]"]}
        ).json()["build"]["id"]
        # No Last-Event-ID: without ?build= this would answer the first build's end at once.
        followed = http.get(f"/v1/movies/{movie_id}/events?build={second}&until=build-finished")
        assert followed.status == 200, followed.body
        events = followed.events()
        assert {e["build"] for e in events} == {second}
        assert events[0]["type"] == "build-started" and events[-1]["type"] == "build-finished"
        assert "TextToImageProducer[1][1]" in {e.get("job") for e in events}
        replayed = http.get(f"/v1/movies/{movie_id}/events?build={first}&until=build-finished")
        assert {e["build"] for e in replayed.events()} == {first}
        unknown = http.get(f"/v1/movies/{movie_id}/events?build=b99")
        assert unknown.status == 404
