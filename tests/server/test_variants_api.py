"""Variants over the HTTP API: plan, build and read a variant by its ``variant`` parameter."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.server.harness import running_server
from tests.server.test_api import ALL_FAKE, calls_since, create


def test_a_variant_is_planned_built_and_read_by_its_parameter(tmp_path: Path) -> None:
    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        movie_id = create(
            http, providers=ALL_FAKE, duration=30, images_per_segment=2,
            variants={"es": {"language": "es"}},
        )
        events = http.wait_for_build(movie_id)
        assert events[-1]["status"] == "complete"

        plan = http.post(f"/v1/movies/{movie_id}/builds", {"variant": "es", "dry_run": True})
        assert plan.status == 200, plan.body
        jobs = Counter(job["producer"] for job in plan.json()["plan"]["jobs"])
        assert jobs == {"TranslationProducer": 1, "AudioProducer": 3, "TimelineAssembler": 1}
        assert plan.json()["plan"]["variant"] == "es"

        before = Counter(running.fake.calls)
        answer = http.post(f"/v1/movies/{movie_id}/builds", {"variant": "es"})
        assert answer.status == 202, answer.body
        events = http.wait_for_build(movie_id, after=events[-1]["id"])
        assert events[-1]["status"] == "complete"
        assert Counter(k.split("[")[0] for k in calls_since(running, before)) == {
            "TranslationProducer": 1, "AudioProducer": 3
        }

        spanish = http.get(f"/v1/movies/{movie_id}?variant=es").json()
        assert spanish["revision"] == 2
        prompts = {p["id"]: p for p in spanish["prompts"]}
        assert prompts["TranslatedNarration[1]"]["text"].startswith("Bienvenidos.")
        base = http.get(f"/v1/movies/{movie_id}").json()
        assert base["revision"] == 1

        unknown = http.post(f"/v1/movies/{movie_id}/builds", {"variant": "fr"})
        assert unknown.status == 422
        assert "no variant 'fr'" in unknown.body.decode()
        missing = http.get(f"/v1/movies/{movie_id}/prompts?variant=fr")
        assert missing.status == 422
