"""Tenant isolation: another tenant's movie answers 404 on every endpoint, and ids that are not
ids (``..``, encoded dots, absolute paths, NUL) never reach the file system."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.server.harness import Http, moviefile, running_server

ENDPOINTS = [
    ("GET", ""),
    ("DELETE", ""),
    ("GET", "/prompts"),
    ("GET", "/errors"),
    ("GET", "/timeline"),
    ("GET", "/revisions"),
    ("GET", "/revisions/r1"),
    ("POST", "/checkout"),
    ("POST", "/builds"),
    ("GET", "/builds/b1"),
    ("POST", "/builds/b1/cancel"),
    ("GET", "/events"),
]

BAD_IDS = ["..", "%2e%2e", "%2E%2E%2Ftokens.json", "..%2f..%2ftokens.json", "%2fetc%2fpasswd",
           "%00", "a%00b", "M-UPPER", ".hidden", "x" * 80]


def _call(http: Http, method: str, path: str) -> int:
    body = {"revision": "r1"} if path.endswith("/checkout") else {}
    return http.call(method, path, body if method == "POST" else None, timeout_s=10).status


def test_another_tenants_movie_is_not_found_on_every_endpoint(tmp_path: Path) -> None:
    with running_server(tmp_path / "root") as running:
        alice, bob = running.as_tenant("alice"), running.as_tenant("bob")
        movie_id = alice.post("/v1/movies", {"moviefile": moviefile()}).json()["id"]
        alice.wait_for_build(movie_id)
        for method, suffix in ENDPOINTS:
            status = _call(bob, method, f"/v1/movies/{movie_id}{suffix}")
            assert status == 404, f"{method} {suffix}: {status}"
        assert bob.get("/v1/movies").json()["movies"] == []
        assert [m["id"] for m in alice.get("/v1/movies").json()["movies"]] == [movie_id]
        assert alice.get(f"/v1/movies/{movie_id}").status == 200


def test_asset_links_open_one_blob_of_one_movie_and_nothing_else(tmp_path: Path) -> None:
    with running_server(tmp_path / "root") as running:
        alice, bob = running.as_tenant("alice"), running.as_tenant("bob")
        movie_id = alice.post("/v1/movies", {"moviefile": moviefile()}).json()["id"]
        alice.wait_for_build(movie_id)
        link = alice.get(f"/v1/movies/{movie_id}").json()["assets"]["SegmentImage[1][1]"]
        anyone = Http(running.base_url)
        path = link.removeprefix(running.base_url)
        assert anyone.get(path).status == 200
        parts = urlsplit(path)
        query = parse_qs(parts.query)
        signature, expires = query["signature"][0], query["expires"][0]
        tampered = signature[:-1] + ("0" if signature[-1] != "0" else "1")
        _v1, _assets, tenant, movie, digest = parts.path.strip("/").split("/")
        candidates = [
            f"{parts.path}?expires={expires}&signature={tampered}",
            f"{parts.path}?expires={int(expires) + 1}&signature={signature}",
            f"/v1/assets/bob/{movie}/{digest}?expires={expires}&signature={signature}",
            f"/v1/assets/{tenant}/{movie}/{'0' * 32}?expires={expires}&signature={signature}",
            f"/v1/assets/{tenant}/..%2f..%2ftokens.json/{digest}?expires={expires}"
            f"&signature={signature}",
            f"{parts.path}",
        ]
        for candidate in candidates:
            assert anyone.get(candidate).status == 404, candidate
            assert bob.get(candidate).status == 404, candidate


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_ids_that_are_not_ids_are_not_found(tmp_path: Path, bad_id: str) -> None:
    with running_server(tmp_path / "root") as running:
        alice = running.as_tenant("alice")
        for method, suffix in ENDPOINTS:
            status = _call(alice, method, f"/v1/movies/{bad_id}{suffix}")
            assert status in (404, 400), f"{method} {bad_id}{suffix}: {status}"
        status = alice.get(f"/v1/movies/m-1/revisions/{bad_id}").status
        assert status == 404
