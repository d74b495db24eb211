"""A server for API fuzzing (``.ci/api-fuzz`` points schemathesis at it): a fresh root, one
tenant, and the fake adapter standing in for every provider (the offline one included), so
fuzzed Moviefiles build instantly. Prints ``URL TOKEN`` once it listens.

    python -m tests.server.fuzz_server ROOT PORT
"""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from moviebuild.server.app import make_app, make_server
from moviebuild.server.root import LocalRoot
from moviebuild.testing.fake import FakeAdapter


class NoDns(AbstractResolver):
    """Webhook registrations resolve nothing: the fuzz stays on this machine, DNS included."""

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        raise OSError(f"{host}: not resolved while fuzzing")

    async def close(self) -> None:
        pass


async def main(root: Path, port: int) -> None:
    fake = FakeAdapter()
    adapters = {name: fake for name in ("offline", "fake", "openai", "elevenlabs", "replicate",
                                        "fal")}
    server = make_server(
        LocalRoot(root), base_url=f"http://127.0.0.1:{port}",
        build_options={"adapters": adapters}, max_builds_per_tenant=2,
        webhook_resolver=NoDns,
    )
    # Fuzzed webhook URLs name hosts anywhere: deliveries stay off, so nothing leaves 127.0.0.1.
    server.backend.listeners.clear()  # type: ignore[attr-defined]
    _, token = server.tokens.create("fuzz")
    runner = web.AppRunner(make_app(server))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print(f"http://127.0.0.1:{port} {token}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
