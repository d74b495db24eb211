"""A provider that never answers does not hold a tenant's build slot: the job ends at its
deadline (MOVIEBUILD_JOB_DEADLINE_S, real seconds over every attempt), the build finishes
with that job failed, and the tenant can build again at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter, FaultRule
from tests.server.harness import moviefile, running_server


def test_a_stalled_provider_call_ends_at_the_job_deadline_and_frees_the_slot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOVIEBUILD_JOB_DEADLINE_S", "0.2")
    fake = FakeAdapter(clock=ManualClock(),
                       faults=[FaultRule("TextToImageProducer[1][1]", "hang", times=1)])
    with running_server(tmp_path / "root", fake, max_builds_per_tenant=1) as running:
        http = running.as_tenant("acme")
        movie_id = http.post("/v1/movies", {"moviefile": moviefile()}).json()["id"]
        finished = http.wait_for_build(movie_id)[-1]
        assert finished["status"] != "complete"
        build = http.get(f"/v1/movies/{movie_id}/builds/{finished['build']}").json()
        (stalled,) = [job for job in build["report"]["jobs"] if job["status"] != "done"]
        assert stalled["id"] == "TextToImageProducer[1][1]" and stalled["status"] == "failed"
        assert "deadline of 0.2 s" in stalled["error"] and stalled["retryable"]
        again = http.post(f"/v1/movies/{movie_id}/builds", {})
        assert again.status == 202, again.body
        assert http.wait_for_build(movie_id, after=finished["id"])[-1]["status"] == "complete"
