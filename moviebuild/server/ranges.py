"""One HTTP byte range (RFC 9110 section 14) over a file held in memory, so that a browser's
<audio> and <video> can seek in a signed asset link. Only a single range is answered; a header
this module cannot read (several ranges, another unit, bad syntax) is ignored and the whole file
sent, as the RFC allows. It does not read files or check signatures (stream_routes.py does)."""

from __future__ import annotations

import re
from typing import Literal

from aiohttp import web

#: What ``byte_range`` answers for a range that starts past the end of the file.
PAST_END: Literal["past-end"] = "past-end"

_ONE_RANGE = re.compile(r"bytes=([0-9]{0,15})-([0-9]{0,15})")


def byte_range(header: str | None, size: int) -> tuple[int, int] | Literal["past-end"] | None:
    """``(first, last)`` inclusive for a satisfiable ``Range`` header; ``None`` when the whole
    file is to be sent; ``PAST_END`` when the range starts past the end (416)."""
    if header is None:
        return None
    match = _ONE_RANGE.fullmatch(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first_text, last_text = match.groups()
    if first_text == "":
        # A suffix: the last N bytes.
        suffix = int(last_text)
        if suffix == 0:
            return PAST_END
        return max(0, size - suffix), size - 1
    first = int(first_text)
    last = size - 1 if last_text == "" else min(int(last_text), size - 1)
    if last_text != "" and int(last_text) < first:
        return None
    if first >= size:
        return PAST_END
    return first, last


def ranged_response(
    request: web.Request, data: bytes, content_type: str, headers: dict[str, str]
) -> web.Response:
    """``data`` whole (200) or the one range the request asks for (206, or 416 past the end)."""
    wanted = byte_range(request.headers.get("Range"), len(data))
    headers = {**headers, "Accept-Ranges": "bytes"}
    if wanted == PAST_END:
        return web.Response(
            status=416, headers={**headers, "Content-Range": f"bytes */{len(data)}"}
        )
    if wanted is None:
        return web.Response(body=data, content_type=content_type, headers=headers)
    first, last = wanted
    return web.Response(
        status=206,
        body=data[first : last + 1],
        content_type=content_type,
        headers={**headers, "Content-Range": f"bytes {first}-{last}/{len(data)}"},
    )
