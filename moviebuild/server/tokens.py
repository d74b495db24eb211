"""Bearer tokens mapped to tenants. A token is shown once when created; the root keeps only its
SHA-256 (``tokens.json``, written atomically), and a presented token is compared with every
stored hash in constant time. Tokens never reach a log, an error or a store. An admin token is
also a tenant's token, and may see the server's operations (``GET /v1/workers``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass
from typing import Any

from moviebuild.errors import ConfigError, StoreFormatError
from moviebuild.server.root import MovieRoot, check_tenant

TOKENS_FORMAT_VERSION = 1
#: The tenant of admin tokens made without a name.
ADMIN_TENANT = "admin"
#: Tenants only admin tokens may name: a tenant's token must not share the admin's movies.
RESERVED_TENANTS = (ADMIN_TENANT,)
_PREFIX = "mbt_"


@dataclass(frozen=True)
class TokenEntry:
    """One stored token: ``id`` names it (for revoking) without revealing it."""

    id: str
    tenant: str
    sha256: str
    created: str
    admin: bool = False
    daily_budget_usd: float | None = None
    """What the tenant may spend a day (UTC); the lowest of its tokens' budgets holds."""

    def to_json(self) -> dict[str, Any]:
        # ``admin`` and the budget only when set: such files stay readable by older releases.
        data = asdict(self)
        if not self.admin:
            del data["admin"]
        if self.daily_budget_usd is None:
            del data["daily_budget_usd"]
        return data


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenBook:
    """The tokens of a root. Reads ``tokens.json`` on every change so two processes (``token
    create`` while ``serve`` runs) see each other's writes."""

    def __init__(self, root: MovieRoot) -> None:
        self.root = root
        self._entries: list[TokenEntry] = self._read()
        self._loaded = root.read_tokens()

    def _read(self) -> list[TokenEntry]:
        text = self.root.read_tokens()
        if text is None:
            return []
        try:
            data = json.loads(text)
            if data.get("format_version") != TOKENS_FORMAT_VERSION:
                raise StoreFormatError(
                    f"{self.root.describe()}/tokens.json has format "
                    f"{data.get('format_version')!r}; this moviebuild reads format "
                    f"{TOKENS_FORMAT_VERSION}",
                    hint="use the moviebuild version that wrote it",
                )
            return [TokenEntry(**entry) for entry in data["tokens"]]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StoreFormatError(
                f"{self.root.describe()}/tokens.json cannot be read ({type(exc).__name__})",
                hint="restore it from a backup or delete it and create new tokens",
            ) from None

    def _write(self) -> None:
        data = {
            "format_version": TOKENS_FORMAT_VERSION,
            "tokens": [entry.to_json() for entry in self._entries],
        }
        self.root.write_tokens(json.dumps(data, indent=2) + "\n")
        self._loaded = self.root.read_tokens()

    def refresh(self) -> None:
        """Re-read the tokens file when another process changed it."""
        text = self.root.read_tokens()
        if text != self._loaded:
            self._entries = self._read()
            self._loaded = text

    def create(self, tenant: str, *, admin: bool = False,
               daily_budget_usd: float | None = None) -> tuple[TokenEntry, str]:
        """A new token for ``tenant`` (an admin token with ``admin``, the tenant's daily budget
        with ``daily_budget_usd``): its entry and the token itself (shown once)."""
        check_tenant(tenant)
        if tenant in RESERVED_TENANTS and not admin:
            raise ConfigError(
                f"{tenant!r} is reserved for admin tokens",
                hint=f"name the tenant otherwise, or make an admin token: "
                     f"moviebuild token create --admin {tenant}",
            )
        self.refresh()
        token_id = secrets.token_hex(4)
        token = f"{_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
        entry = TokenEntry(
            id=token_id,
            tenant=tenant,
            sha256=_hash(token),
            created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            admin=admin,
            daily_budget_usd=daily_budget_usd,
        )
        self._entries.append(entry)
        self._write()
        return entry, token

    def revoke(self, token_id: str) -> TokenEntry:
        """Forget the token named ``token_id``; it stops working at once."""
        self.refresh()
        for entry in self._entries:
            if entry.id == token_id:
                self._entries.remove(entry)
                self._write()
                return entry
        raise ConfigError(
            f"no token {token_id!r}", hint="`moviebuild token list` shows the token ids"
        )

    def entries(self) -> list[TokenEntry]:
        self.refresh()
        return list(self._entries)

    def tenant_for(self, token: str) -> str | None:
        """The tenant of ``token``, or None. Every stored hash is compared, in constant time."""
        found = self.entry_for(token)
        return found.tenant if found else None

    def is_admin(self, token: str) -> bool:
        found = self.entry_for(token)
        return found is not None and found.admin

    def entry_for(self, token: str) -> TokenEntry | None:
        presented = _hash(token).encode("ascii")
        found = None
        for entry in self._entries:
            if hmac.compare_digest(presented, entry.sha256.encode("ascii")):
                found = entry
        return found
