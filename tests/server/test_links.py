"""Signed asset links: one blob of one movie, until they expire."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from moviebuild.server.links import LinkSigner

DIGEST = "0123456789abcdef0123456789abcdef"


def parts(link: str) -> tuple[str, str]:
    query = parse_qs(urlsplit(link).query)
    return query["expires"][0], query["signature"][0]


def test_a_link_opens_its_blob_until_it_expires() -> None:
    now = [1_000_000.0]
    signer = LinkSigner(b"k" * 32, "http://127.0.0.1:8080", lifetime_s=3600, now=lambda: now[0])
    link = signer.link("acme", "m-1", DIGEST)
    assert link.startswith("http://127.0.0.1:8080/v1/assets/acme/m-1/" + DIGEST + "?")
    expires, signature = parts(link)
    assert signer.check("acme", "m-1", DIGEST, expires, signature)
    now[0] = float(expires) + 1
    assert not signer.check("acme", "m-1", DIGEST, expires, signature)


def test_a_link_names_exactly_one_blob_of_one_movie_of_one_tenant() -> None:
    signer = LinkSigner(b"k" * 32)
    expires, signature = parts(signer.link("acme", "m-1", DIGEST))
    other = "f" * 32
    assert not signer.check("other", "m-1", DIGEST, expires, signature)
    assert not signer.check("acme", "m-2", DIGEST, expires, signature)
    assert not signer.check("acme", "m-1", other, expires, signature)
    assert not signer.check("acme", "m-1", DIGEST, str(int(expires) + 1), signature)
    assert not signer.check("acme", "m-1", "../../tokens.json", expires, signature)
    assert not LinkSigner(b"x" * 32).check("acme", "m-1", DIGEST, expires, signature)


def test_links_made_within_the_same_hour_are_the_same() -> None:
    now = [7200.0]
    signer = LinkSigner(b"k" * 32, now=lambda: now[0])
    first = signer.link("acme", "m-1", DIGEST)
    now[0] += 1800
    assert signer.link("acme", "m-1", DIGEST) == first
