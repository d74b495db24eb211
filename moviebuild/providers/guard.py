"""Which URLs a download may touch: the scheme and address checks applied to every redirect hop,
and a resolver that refuses names resolving to loopback, link-local or private addresses. It
fetches nothing; ``http.py`` (provider downloads) and the server's webhook deliveries ask it before
each hop and hand its resolver to aiohttp, so the address checked is the address connected to.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

#: Test setting: "1" lets downloads reach 127.0.0.1 over plain http (the emulators serve files
#: there). Never set it for real builds: a provider's answer could then reach this machine.
ALLOW_LOOPBACK_ENV = "MOVIEBUILD_ALLOW_LOOPBACK_DOWNLOADS"
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class RefusedAddress(Exception):
    """A host name resolved only to addresses downloads may not reach."""


def loopback_allowed() -> bool:
    return os.environ.get(ALLOW_LOOPBACK_ENV, "").strip() == "1"


def address_allowed(address: str, *, allow_loopback: bool) -> bool:
    """True for a public address (or loopback, when the test setting allows it)."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address inside an IPv6 one (mapped, 6to4, NAT64) is judged as that address.
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.is_loopback:
        return allow_loopback
    # is_global also excludes shared (100.64/10, carrier NAT) and benchmarking ranges.
    return ip.is_global and not (ip.is_private or ip.is_link_local or ip.is_multicast
                                 or ip.is_reserved or ip.is_unspecified)


def refusal_reason(url: str, *, allow_loopback: bool) -> str | None:
    """Why ``url`` may not be fetched as one hop of a download, or None when it may."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        literal: str | None = str(ipaddress.ip_address(host))
    except ValueError:
        literal = None
    loopback_name = host == "localhost" or (literal is not None and ipaddress.ip_address(
        literal).is_loopback)
    if parts.scheme not in ("https", "http"):
        return "only https URLs are fetched"
    if parts.scheme == "http" and not (allow_loopback and loopback_name):
        return "only https URLs are fetched"
    if not host:
        return "the URL names no host"
    if host == "localhost" or host.endswith(".localhost"):
        return None if allow_loopback else "it points at this machine"
    if literal is not None and not address_allowed(literal, allow_loopback=allow_loopback):
        return "it points at a loopback, link-local or private address"
    return None


class GuardedResolver(AbstractResolver):
    """DNS resolution that drops loopback, link-local and private answers, so a public-looking
    name cannot lead a download to this machine or its network (e.g. 169.254.169.254)."""

    def __init__(self, *, allow_loopback: bool, inner: AbstractResolver | None = None) -> None:
        self._inner = inner or DefaultResolver()
        self._allow_loopback = allow_loopback

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        kept = [r for r in found if address_allowed(r["host"],
                                                    allow_loopback=self._allow_loopback)]
        if not kept:
            raise RefusedAddress(f"{host} resolves only to loopback, link-local or private "
                                 "addresses")
        return kept

    async def close(self) -> None:
        await self._inner.close()

    def __repr__(self) -> str:
        return f"GuardedResolver(allow_loopback={self._allow_loopback!r})"
