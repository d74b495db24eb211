"""One set of provider pools for the whole server: two movies building at once share each
provider's concurrency limit; and a token never reaches a log, an answer or a file."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pytest

from moviebuild.providers.requests import CallContext
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter
from tests.server.harness import moviefile, running_server


@dataclass
class CountingAdapter(FakeAdapter):
    """The fake adapter, remembering the most calls it had in flight at once."""

    in_flight: int = 0
    most_in_flight: int = 0

    async def _call(self, context: CallContext) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await super()._call(context)
        finally:
            self.in_flight -= 1


def test_two_movies_building_at_once_share_one_pool_per_provider(tmp_path: Path) -> None:
    fake = CountingAdapter(clock=ManualClock(), latency_s={"AudioProducer": 1.0})
    limited = moviefile(limits={"fake": {"concurrent": 2}})
    with running_server(tmp_path / "root", fake) as running:
        http = running.as_tenant("acme")
        first = http.post("/v1/movies", {"moviefile": limited}).json()["id"]
        second = http.post("/v1/movies", {"moviefile": limited}).json()["id"]
        assert http.wait_for_build(first)[-1]["status"] == "complete"
        assert http.wait_for_build(second)[-1]["status"] == "complete"
    assert sum(fake.calls.values()) > 4
    assert fake.most_in_flight == 2, "the limit of 2 holds across both movies"


def test_a_token_never_reaches_a_log_an_answer_or_a_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        token = http.token or ""
        answers = [
            http.post("/v1/movies", {"moviefile": moviefile(duration="x")}),
            http.get("/v1/movies/m-nothing"),
            http.post("/v1/movies", raw=b"{"),
        ]
        movie_id = http.post("/v1/movies", {"moviefile": moviefile()}).json()["id"]
        http.wait_for_build(movie_id)
        answers.append(http.get(f"/v1/movies/{movie_id}"))
    assert all(token.encode() not in answer.body for answer in answers)
    assert token not in caplog.text
    secret = token.rsplit("_", 1)[1]
    for path in (tmp_path / "root").rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
