"""A throwaway PostgreSQL cluster for the distributed tests and ``bench/scale.py``: ``initdb``
into a temporary folder, ``postgres`` on a free port of 127.0.0.1, stopped and removed afterwards.

As root, the server runs as the ``postgres`` user (PostgreSQL refuses to run as root). Where it
cannot start, ``PostgresUnavailable`` says why; the tests fail with that reason, never skip.
``throwaway_cluster`` hands out the cluster itself, which a test can stop and start again under
running workers.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

_SEARCH = ("/usr/lib/postgresql", "/usr/local/pgsql")


class PostgresUnavailable(RuntimeError):
    """PostgreSQL is not installed or would not start; the message says which and how to fix."""


def find_bin_dir() -> Path:
    """The folder holding ``initdb`` and ``postgres`` (Debian: /usr/lib/postgresql/<ver>/bin)."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(os.path.realpath(on_path)).parent
    for root in _SEARCH:
        found = sorted(Path(root).glob("*/bin/initdb"), reverse=True)
        if found:
            return found[0].parent
    raise PostgresUnavailable(
        "PostgreSQL is not installed (no initdb on PATH or under /usr/lib/postgresql); "
        "install it with `apt-get install -y postgresql` (.ci/run does)"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user() -> tuple[list[str], int | None, int | None]:
    """The command prefix, uid and gid to run the server with (a non-root user when root)."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        entry = pwd.getpwnam("postgres")
    except KeyError as exc:
        raise PostgresUnavailable(
            "running as root and there is no `postgres` user to run the server as; "
            "install Debian's postgresql package, which creates it"
        ) from exc
    return ["runuser", "-u", "postgres", "--"], entry.pw_uid, entry.pw_gid


class Postgres:
    """A cluster in ``folder`` on ``port``: ``start``, ``stop`` (fast shutdown, as a restart or a
    failover does to its clients) and ``start`` again on the same port and data."""

    def __init__(
        self, folder: Path, port: int, timeout_s: float, settings: tuple[str, ...] = ()
    ) -> None:
        self.folder, self.port, self.timeout_s = folder, port, timeout_s
        self.settings = settings
        self.bin_dir = find_bin_dir()
        self.prefix = _as_server_user()[0]
        self.server: subprocess.Popen[bytes] | None = None
        self.url = f"postgresql://moviebuild@127.0.0.1:{port}/postgres"

    def start(self) -> None:
        log = self.folder / "server.log"
        with log.open("ab") as log_file:
            self.server = subprocess.Popen(
                [*self.prefix, str(self.bin_dir / "postgres"), "-D", str(self.folder / "data"),
                 "-p", str(self.port), "-h", "127.0.0.1", "-k", str(self.folder),
                 "-c", "fsync=off", "-c", "synchronous_commit=off",
                 "-c", "full_page_writes=off", "-c", "max_connections=300",
                 *(arg for setting in self.settings for arg in ("-c", setting))],
                stdout=subprocess.DEVNULL, stderr=log_file,
            )
        _wait_ready(self.port, self.server, log, self.timeout_s)

    def stop(self) -> None:
        """Stop now, dropping every connection (SIGINT: PostgreSQL's fast shutdown)."""
        if self.server is None:
            return
        # The postmaster itself: as root the child is runuser, which does not pass SIGINT on.
        pid_file = self.folder / "data" / "postmaster.pid"
        try:
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)
        except (OSError, ValueError, IndexError):
            self.server.send_signal(signal.SIGINT)
        try:
            self.server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()
        self.server = None


@contextlib.contextmanager
def throwaway_cluster(
    timeout_s: float = 30.0, settings: tuple[str, ...] = ()
) -> Iterator[Postgres]:
    """Start a fresh cluster (stopped and removed afterwards); ``settings`` are more ``-c``
    options of the server (``shared_preload_libraries=pg_stat_statements`` for a bench)."""
    bin_dir = find_bin_dir()
    prefix, uid, gid = _as_server_user()
    folder = Path(tempfile.mkdtemp(prefix="moviebuild-pg-"))
    data = folder / "data"
    if uid is not None and gid is not None:
        os.chown(folder, uid, gid)
    result = subprocess.run(
        [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", "moviebuild",
         "--auth=trust", "--no-sync", "-E", "UTF8"],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise PostgresUnavailable(f"initdb failed: {result.stderr.strip()[-800:]}")
    cluster = Postgres(folder, _free_port(), timeout_s, settings)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def throwaway_postgres(
    timeout_s: float = 30.0, settings: tuple[str, ...] = ()
) -> Iterator[str]:
    """Start a fresh cluster; yields a ``postgresql://`` URL of its ``postgres`` database."""
    with throwaway_cluster(timeout_s, settings) as cluster:
        yield cluster.url


def _wait_ready(port: int, server: subprocess.Popen[bytes], log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise PostgresUnavailable(
                f"postgres exited with {server.returncode}: {log.read_text()[-800:]}"
            )
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            time.sleep(0.2)  # accepting TCP; give it a moment to finish recovery
            return
        time.sleep(0.05)
    raise PostgresUnavailable(f"postgres did not accept connections in {timeout_s:.0f} s")
