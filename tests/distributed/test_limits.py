"""Provider limits belong to the deployment: ``moviebuild limits set|unset|list`` against a real
PostgreSQL, what bad input gets, and a cluster where five movies say ``replicate: {concurrent:
2}`` and a sixth says 12 while the operator allows 3: the Replicate emulator never sees more
than 3 predictions at once."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from moviebuild.cli.main import _register, cli
from moviebuild.distributed.backend import BuildStatus, ClusterBackend
from moviebuild.distributed.settings import ClusterSettings
from moviebuild.distributed.workflows import BuildTicket
from moviebuild.providers.endpoints import POLL_INTERVAL_ENV
from tests.distributed.cluster import (
    FAKE,
    RecordingReplicate,
    WorkerProcess,
    create_database,
    outcome,
    write_movie,
)


def setup_module() -> None:
    _register()


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_an_operator_sets_lists_and_unsets_a_providers_limits(postgres_server: str) -> None:
    database = create_database(postgres_server)

    code_set, said = run("limits", "set", "replicate", "--concurrent", "3", "--per-minute",
                         "120", "--database", database)
    code_role, _ = run("limits", "set", "openai:image", "--concurrent", "2",
                       "--database", database)
    code_list, listed = run("limits", "list", "--json", "--database", database)
    code_unset, _ = run("limits", "unset", "replicate", "--database", database)
    _, after = run("limits", "list", "--json", "--database", database)
    _, text = run("limits", "list", "--database", database)

    assert (code_set, code_role, code_list, code_unset) == (0, 0, 0, 0), said
    assert "replicate: 3 at once, 120 a minute" in said
    rows = {row["pool"]: row for row in json.loads(listed)}
    assert rows["replicate"] | {"set_at": None} == {
        "pool": "replicate", "concurrent": 3, "per_minute": 120, "source": "operator",
        "set_at": None,
    }
    assert rows["openai:image"]["concurrent"] == 2
    assert rows["fal"]["source"] == "default"
    assert "offline" not in rows, "local work has no cluster-wide limit"
    again = {row["pool"]: row for row in json.loads(after)}
    assert again["replicate"]["source"] == "default" and again["replicate"]["concurrent"] == 8
    assert "openai:image      2 at once" in text


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("set", "replicate", "--concurrent", "0"), 2, "--concurrent 0: a pool runs 1 to"),
        (("set", "replicate", "--concurrent", "-3"), 2, "--concurrent -3"),
        (("set", "replicate", "--concurrent", "2", "--per-minute", "0"), 2,
         "--per-minute 0: a rate is at least 1"),
        (("set", "replicat", "--concurrent", "2"), 2, "unknown provider 'replicat'"),
        (("set", "elevenlabs:image", "--concurrent", "2"), 2, "elevenlabs has no role 'image'"),
        (("set", "offline", "--concurrent", "2"), 2, "--local-slots"),
        (("unset", "nobody"), 2, "unknown provider 'nobody'"),
    ],
)
def test_bad_limits_get_a_message_and_an_exit_code_before_any_database(
    args: tuple[str, ...], code: int, says: str
) -> None:
    # Nothing listens on this database: the input is refused before it is asked.
    exit_code, output = run("limits", *args, "--database",
                            f"postgresql://mb@127.0.0.1:{_closed_port()}/db")
    assert exit_code == code, output
    assert says in output
    assert "Traceback" not in output


def test_an_unreachable_database_says_where_without_the_password() -> None:
    url = f"postgresql://mb:s3cret@127.0.0.1:{_closed_port()}/movies"
    exit_code, output = run("limits", "list", "--database", url)
    assert exit_code == 3, output
    assert "could not reach the database postgresql://mb@127.0.0.1" in output
    assert "s3cret" not in output and "Traceback" not in output


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.cluster
def test_no_moviefile_raises_the_operators_limit_and_workers_apply_it_within_seconds(
    postgres_server: str, tmp_path: Path
) -> None:
    database = create_database(postgres_server)
    root = tmp_path / "movies"
    providers = {**FAKE, "image": {"adapter": "replicate"}}
    for number in range(6):
        asks = 12 if number == 5 else 2
        write_movie(root / f"m{number}", number, providers=providers,
                    limits={"replicate": {"concurrent": asks}})
    with RecordingReplicate(polls_to_finish=3) as replicate:
        env = {**replicate.environment(), POLL_INTERVAL_ENV: "0.05"}
        workers = [WorkerProcess(database, root, env, tmp_path) for _ in range(2)]
        backend = ClusterBackend(ClusterSettings(database, poll_interval_s=0.05))
        try:
            _wait_for(lambda: len(backend.workers()) == 2, 60, "two workers up")
            # The operator sets the limit while the workers run: no restart, no Moviefile.
            code, said = run("limits", "set", "replicate", "--concurrent", "3",
                             "--database", database)
            assert code == 0, said
            _wait_for(lambda: _queue_limit(backend) == 3, 30, "the operator's limit applied")
            ids = [f"build-m{n}" for n in range(6)]
            for number, build_id in enumerate(ids):
                backend.start(build_id, BuildTicket(f"m{number}"))
            answers = asyncio.run(_wait_all(backend, ids, 150))
            local_queue = backend.client.retrieve_queue("moviebuild-pool-offline")
        finally:
            codes = [worker.stop() for worker in workers]
            backend.close()
        logs = "".join(worker.log_text() for worker in workers)

    assert [outcome(a.answer) for a in answers] == ["complete"] * 6, logs
    assert codes == [0, 0], logs
    assert replicate.counters["submissions"] == 6 * 2 * 2
    assert 2 <= replicate.max_in_flight <= 3, "the operator's 3, whatever the Moviefiles say"
    assert local_queue is None, "local work is bounded per worker, not by a cluster queue"


def _queue_limit(backend: ClusterBackend) -> int | None:
    queue = backend.client.retrieve_queue("moviebuild-pool-replicate")
    return None if queue is None else queue.global_concurrency


async def _wait_all(
    backend: ClusterBackend, ids: list[str], timeout_s: float
) -> list[BuildStatus]:
    return list(await asyncio.gather(*(backend.wait(b, timeout_s) for b in ids)))


def _wait_for(check: object, timeout_s: float, what: str) -> None:
    assert callable(check)
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"waited {timeout_s:.0f} s for {what}"
        time.sleep(0.1)


@pytest.mark.cluster
def test_one_tenants_backlog_does_not_starve_another_tenants_first_build(
    postgres_server: str, tmp_path: Path
) -> None:
    database = create_database(postgres_server)
    root = tmp_path / "movies"
    providers = {**FAKE, "image": {"adapter": "replicate"}}
    for number in range(9):
        write_movie(root / f"m{number}", number, providers=providers,
                    limits={"replicate": {"concurrent": 4}})
    run("limits", "set", "replicate", "--concurrent", "1", "--database", database)
    with RecordingReplicate(polls_to_finish=2) as replicate:
        env = {**replicate.environment(), POLL_INTERVAL_ENV: "0.05"}
        worker = WorkerProcess(database, root, env, tmp_path)
        backend = ClusterBackend(ClusterSettings(database, poll_interval_s=0.05))
        try:
            busy = [f"busy/m{n}/b" for n in range(8)]
            for number, build_id in enumerate(busy):
                backend.start(build_id, BuildTicket(f"m{number}"))
            # The busy tenant's calls fill the queue (8 builds x 4 admitted, 1 slot) ...
            _wait_for(lambda: len(_calls(backend)) >= 16, 60, "a backlog of calls")
            # ... when another tenant's first build comes in.
            backend.start("new/m8/b", BuildTicket("m8"))
            answers = asyncio.run(_wait_all(backend, [*busy, "new/m8/b"], 150))
            calls = _calls(backend)
        finally:
            worker.stop()
            backend.close()

    assert [outcome(a.answer) for a in answers] == ["complete"] * 9
    assert {c.queue_partition_key for c in calls} == {"busy", "new"}
    new = [c for c in calls if c.queue_partition_key == "new"]
    first_new = min(c.created_at or 0 for c in new)
    last_new = max(c.dequeued_at or 0 for c in new)
    overtaken = [c for c in calls if c.queue_partition_key == "busy"
                 and first_new <= (c.dequeued_at or 0) <= last_new]
    # First in, first out, the new tenant's 4 images would wait for the ~28 queued before them;
    # shared fairly, a freed slot goes to either tenant alike (about 4 of the busy tenant's
    # calls start meanwhile; more than 16 has a chance of about 1 in 1000).
    assert len(new) == 4 and len(overtaken) <= 16, len(overtaken)


def _calls(backend: ClusterBackend) -> list[Any]:
    return list(backend.client.list_workflows(
        queue_name="moviebuild-pool-replicate", load_input=False, load_output=False
    ))
