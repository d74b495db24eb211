"""Running the server until SIGTERM or Ctrl-C: stop accepting builds, give in-flight provider
calls a grace period, record the rest as interrupted (the next start resumes them)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from aiohttp import web

from moviebuild.server.app import BackendFactory, make_app, make_server
from moviebuild.server.root import MovieRoot

log = logging.getLogger("moviebuild.server")


async def serve(
    root: MovieRoot,
    host: str,
    port: int,
    *,
    grace_s: float = 10.0,
    max_builds_per_tenant: int = 4,
    max_streams_per_tenant: int = 32,
    allow_loopback_webhooks: bool = False,
    public_url: str | None = None,
    ready: asyncio.Event | None = None,
    backend_factory: BackendFactory | None = None,
) -> None:
    """Serve until a signal; ``ready`` is set once the port listens. Asset links start with
    ``public_url`` (default: this address, or none when listening on every address). Builds
    run in this process, or on the backend ``backend_factory`` makes (workers)."""
    # Offline media work runs in threads; a short switch interval hands the GIL back to the
    # event loop sooner, which keeps request latency low while builds compute.
    sys.setswitchinterval(0.001)
    base_url = f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}"
    if public_url is not None:
        links_base = public_url
    elif host in ("0.0.0.0", "::", ""):
        links_base = ""  # any address: links stay paths, resolved against the server's URL
    else:
        links_base = base_url
    server = make_server(
        root, base_url=links_base, max_builds_per_tenant=max_builds_per_tenant,
        max_streams_per_tenant=max_streams_per_tenant, backend_factory=backend_factory,
        allow_loopback_webhooks=allow_loopback_webhooks,
    )
    server.grace_s = grace_s
    app = make_app(server)
    runner = web.AppRunner(app, shutdown_timeout=grace_s + 5)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    log.info("serving %s on %s", root.describe(), base_url)
    print(f"moviebuild serving {root.describe()} on {base_url}", flush=True)
    if ready is not None:
        ready.set()
    try:
        await wait_for_stop_signal()
    finally:
        print("stopping: letting in-flight calls finish", flush=True)
        server.accepting = False
        await runner.cleanup()


async def wait_for_stop_signal() -> None:
    """Return once SIGINT (Ctrl-C) or SIGTERM arrives."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    await stopping.wait()
