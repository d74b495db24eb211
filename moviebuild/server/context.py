"""What every request handler is handed: the ``Server`` (root, tokens, link signer, backend,
limits) and the tenant the bearer token named, read from the request with ``server_of`` and
``tenant_of``. Below ``app`` and every route module, which all import it; it imports no route
and makes no application.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from moviebuild.server.backend import BuildBackend, BuildListener, MovieRef
from moviebuild.server.bodies import problem
from moviebuild.server.builds import BuildBook
from moviebuild.server.events import EventLogs
from moviebuild.server.links import LinkSigner
from moviebuild.server.root import MovieRoot, is_valid_name
from moviebuild.server.state_cache import StateCache
from moviebuild.server.tokens import TokenBook
from moviebuild.server.webhooks import WebhookSender

SERVER_KEY: web.AppKey[Server] = web.AppKey("server")
TENANT_KEY: web.RequestKey[str] = web.RequestKey("tenant", str)
#: Makes a server's build backend from its event logs and build listeners.
BackendFactory = Callable[[EventLogs, list[BuildListener]], BuildBackend]


@dataclass
class Server:
    """What every request shares. ``max_builds_per_tenant``: concurrent builds one tenant may
    run (429 beyond); ``max_streams_per_tenant``: event streams one tenant may hold open (429
    beyond); ``grace_s``: how long calls in flight may finish when stopping; ``accepting`` turns
    false when the server is stopping."""

    root: MovieRoot
    tokens: TokenBook
    signer: LinkSigner
    logs: EventLogs
    backend: BuildBackend
    webhooks: WebhookSender
    max_builds_per_tenant: int = 4
    max_streams_per_tenant: int = 32
    open_streams: Counter[str] = field(default_factory=Counter)
    accepting: bool = True
    states: StateCache = field(default_factory=StateCache)
    grace_s: float = 10.0

    def movie(self, tenant: str, movie_id: str) -> MovieRef:
        """The tenant's movie ``movie_id``; 404 for anything else, including ids that are not
        ids (``..``, slashes, NUL) and other tenants' movies."""
        if not is_valid_name(movie_id) or not self.root.movie_exists(tenant, movie_id):
            raise problem(404, "not-found", f"no movie {movie_id!r}"[:200])
        return MovieRef(
            tenant,
            movie_id,
            self.root.movie_folder(tenant, movie_id),
            self.root.records_folder(tenant, movie_id),
        )

    def builds(self, ref: MovieRef) -> BuildBook:
        return BuildBook(ref.records, ref.movie_id)

    def resume_unfinished(self) -> list[tuple[MovieRef, str]]:
        """Start again every build the last process left queued, running or interrupted; the
        journal makes finished calls free. Returns what was resumed."""
        resumed = []
        for tenant, movie_id in self.root.all_movies():
            if not self.root.movie_exists(tenant, movie_id):
                continue  # a folder left half-made by a kill during creation
            ref = self.movie(tenant, movie_id)
            unfinished = self.builds(ref).unfinished()
            if unfinished:
                self.backend.start(ref, unfinished[-1])
                resumed.append((ref, unfinished[-1].id))
        return resumed


def server_of(request: web.Request) -> Server:
    return request.app[SERVER_KEY]


def tenant_of(request: web.Request) -> str:
    return request[TENANT_KEY]
