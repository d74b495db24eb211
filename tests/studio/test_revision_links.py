"""A revision's document links its own files (signed, like the state's assets), so the studio
can show one artifact's versions from two revisions side by side."""

from __future__ import annotations

import threading
from pathlib import Path

from tests.server.harness import Http, moviefile, running_server

ALL_FAKE = {role: {"adapter": "fake"} for role in ("text", "speech", "music", "image", "video")}
IMAGE = "SegmentImage[2][1]"


def test_each_revision_links_its_own_version_of_an_artifact(tmp_path: Path) -> None:
    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        created = http.post("/v1/movies", {"moviefile": moviefile(providers=ALL_FAKE)})
        assert created.status == 201, created.body
        movie_id = created.json()["id"]
        events = http.wait_for_build(movie_id)
        # build-finished is streamed a moment before the server forgets the running build, so
        # a build asked for at once may meet a 409 while that finishes (bounded retries).
        for _ in range(200):
            answer = http.post(
                f"/v1/movies/{movie_id}/builds",
                {"overrides": {"SegmentImagePrompt[2][1]": "A stone bridge at dawn."}},
            )
            if answer.status != 409:
                break
            threading.Event().wait(0.01)
        assert answer.status == 202, answer.body
        http.wait_for_build(movie_id, after=events[-1]["id"])

        public = Http(running.base_url)
        bodies = []
        for rev in ("r1", "r2"):
            document = http.get(f"/v1/movies/{movie_id}/revisions/{rev}").json()
            link = document["links"][IMAGE]
            assert f"/{document['outputs'][IMAGE]}?" in link and "signature=" in link
            assert "Timeline" not in document["links"]
            asset = public.get(link.removeprefix(running.base_url))
            assert asset.status == 200
            bodies.append(asset.body)
        assert bodies[0] != bodies[1]
