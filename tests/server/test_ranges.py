"""Byte ranges on signed asset links, so that <audio> and <video> can seek."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request

from moviebuild.server.ranges import PAST_END, byte_range, ranged_response

DATA = bytes(range(100))


@pytest.mark.parametrize(
    ("header", "wanted"),
    [
        (None, None),
        ("bytes=0-9", (0, 9)),
        ("bytes=90-", (90, 99)),
        ("bytes=90-500", (90, 99)),
        ("bytes=-10", (90, 99)),
        ("bytes=-500", (0, 99)),
        ("bytes=100-", PAST_END),
        ("bytes=-0", PAST_END),
        # Read as no range at all: the whole file.
        ("bytes=5-2", None),
        ("bytes=0-1,5-6", None),
        ("items=0-1", None),
        ("bytes=-", None),
        ("bytes=١-٢", None),
    ],
)
def test_one_range_is_read_and_anything_else_means_the_whole_file(
    header: str | None, wanted: object
) -> None:
    assert byte_range(header, len(DATA)) == wanted


def answer(header: str | None) -> tuple[int, bytes, dict[str, str]]:
    request = make_mocked_request("GET", "/", headers={} if header is None else {"Range": header})
    response = ranged_response(request, DATA, "audio/mpeg", {"Cache-Control": "private"})
    assert isinstance(response.body, bytes | None)
    return response.status, response.body or b"", dict(response.headers)


def test_a_range_is_answered_with_206_and_its_content_range() -> None:
    status, body, headers = answer("bytes=10-19")
    assert (status, body) == (206, DATA[10:20])
    assert headers["Content-Range"] == "bytes 10-19/100"
    assert headers["Accept-Ranges"] == "bytes"
    assert headers["Cache-Control"] == "private"


def test_no_range_is_the_whole_file_and_says_ranges_are_accepted() -> None:
    status, body, headers = answer(None)
    assert (status, body, headers["Accept-Ranges"]) == (200, DATA, "bytes")


def test_a_range_past_the_end_is_416_with_the_size() -> None:
    status, _, headers = answer("bytes=200-")
    assert (status, headers["Content-Range"]) == (416, "bytes */100")
