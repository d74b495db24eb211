"""Hostile request bodies and query strings get a 4xx problem, never a 500: ids and numbers
written with Unicode digits (only ASCII digits are digits, also in the unauthenticated asset
link's expiry), and JSON nested deeper than a Moviefile may nest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.cli.test_unicode_digits import UNICODE_DIGITS
from tests.server.harness import Http, moviefile, running_server

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_unicode_digits_in_ids_numbers_and_expiries_are_refused(tmp_path: Path) -> None:
    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        movie_id = http.post("/v1/movies", {"moviefile": moviefile()}).json()["id"]
        http.wait_for_build(movie_id)
        builds = f"/v1/movies/{movie_id}/builds"
        for digit in UNICODE_DIGITS:
            target = f"SegmentNarration[{digit}]"
            for body in ({"overrides": {target: "New words"}}, {"redo": [target]},
                         {"overrides": {target: "x"}, "dry_run": True}):
                answer = http.post(builds, body)
                assert answer.status == 422, (body, answer.status, answer.body)
                assert target in answer.json()["message"]
            for config in ({digit: 1}, {"segments": {digit: {"image_style": "x"}}}):
                answer = http.post(builds, {"config": config, "dry_run": True})
                assert answer.status == 422, (config, answer.status, answer.body)
            for path in (f"/v1/movies?limit={quote(digit)}",
                         f"/v1/movies/{movie_id}/revisions/r{quote(digit)}",
                         f"/v1/movies/{movie_id}/events?after={quote(digit)}"):
                answer = http.get(path)
                assert answer.status in (400, 404), (path, answer.status, answer.body)

        link = http.get(f"/v1/movies/{movie_id}").json()["assets"]["SegmentImage[1][1]"]
        path = link.removeprefix(running.base_url)
        anyone = Http(running.base_url)
        assert anyone.get(path).status == 200
        head, _, query = path.partition("?expires=")
        expires, _, rest = query.partition("&")
        for bad in ("%C2%B2", quote(expires.translate(FULL_WIDTH)), quote("¹" + expires)):
            answer = anyone.get(f"{head}?expires={bad}&{rest}")
            assert answer.status == 404, (bad, answer.status, answer.body)


def with_deep_list(body: dict[str, Any], depth: int) -> bytes:
    """``body`` as JSON text with its ``"DEEP"`` string replaced by a list nested ``depth``
    deep (built as text: the json module cannot write one that deep)."""
    return json.dumps(body).replace('"DEEP"', "[" * depth + "]" * depth).encode()


@pytest.mark.parametrize("where", ["body", "moviefile", "params", "config"])
def test_deep_json_is_a_422_not_a_500(tmp_path: Path, where: str) -> None:
    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        providers = {**moviefile()["providers"],
                     "image": {"adapter": "fake", "params": {"style": "DEEP"}}}
        if where == "body":
            raw = with_deep_list({"moviefile": "DEEP"}, 100_000)[len('{"moviefile": '):-1]
            answer = http.call("POST", "/v1/movies", raw=raw)
        elif where == "moviefile":
            answer = http.call("POST", "/v1/movies",
                               raw=with_deep_list({"moviefile": "DEEP"}, 100_000))
        elif where == "params":
            answer = http.call("POST", "/v1/movies", raw=with_deep_list(
                {"moviefile": moviefile(providers=providers)}, 5000))
        else:
            movie_id = http.post("/v1/movies", {"moviefile": moviefile()}).json()["id"]
            http.wait_for_build(movie_id)
            answer = http.call("POST", f"/v1/movies/{movie_id}/builds", raw=with_deep_list(
                {"config": {"providers": providers}, "dry_run": True}, 5000))
        assert answer.status == 422, answer.body[:300]
        assert "deeper than" in answer.json()["message"]
        # Just past a Moviefile's own limit, the loader's message (with a JSON path).
        answer = http.call("POST", "/v1/movies", raw=with_deep_list(
            {"moviefile": moviefile(providers=providers)}, 30))
        assert answer.status == 422, answer.body[:300]
        assert answer.json()["where"] == "$.moviefile", \
            answer.body[:300]
