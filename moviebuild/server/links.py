"""Signed, expiring asset links for a local root: ``/v1/assets/<tenant>/<movie>/<digest>?expires=
&signature=``, loadable by a browser or Remotion without headers. The signature (HMAC-SHA256 with
the root's key) covers the tenant, the movie, the digest and the expiry, so a link opens exactly
one blob of one movie until it expires.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable
from urllib.parse import quote

from moviebuild.config.numbers import ascii_number
from moviebuild.graph import NodeId

_DIGEST = re.compile(r"[0-9a-f]{32}")
LINK_LIFETIME_S = 24 * 3600


class LinkSigner:
    """Makes and checks asset links. ``now`` is injectable for tests of expiry."""

    def __init__(
        self,
        key: bytes,
        base_url: str = "",
        lifetime_s: int = LINK_LIFETIME_S,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._key = key
        self.base_url = base_url.rstrip("/")
        self.lifetime_s = lifetime_s
        self._now = now

    def _signature(self, tenant: str, movie_id: str, digest: str, expires: int) -> str:
        message = f"{tenant}\n{movie_id}\n{digest}\n{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def link(self, tenant: str, movie_id: str, digest: str) -> str:
        # Expiry is rounded to the hour so repeated states of one movie carry the same links.
        expires = (int(self._now()) // 3600 + 1) * 3600 + self.lifetime_s
        signature = self._signature(tenant, movie_id, digest, expires)
        path = f"/v1/assets/{quote(tenant)}/{quote(movie_id)}/{digest}"
        return f"{self.base_url}{path}?expires={expires}&signature={signature}"

    def linker(self, tenant: str, movie_id: str) -> Callable[[NodeId, str], str]:
        """A ``Linker`` for ``Movie.state``."""
        return lambda _artifact_id, digest: self.link(tenant, movie_id, digest)

    def check(
        self, tenant: str, movie_id: str, digest: str, expires: str, signature: str
    ) -> bool:
        """Whether a link's parts are valid and unexpired (every failure looks the same)."""
        when = ascii_number(expires, max_digits=12)
        if not _DIGEST.fullmatch(digest) or when is None:
            return False
        expected = self._signature(tenant, movie_id, digest, when)
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            return False
        return when >= self._now()
