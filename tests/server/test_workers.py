"""``GET /v1/workers``: admin tokens only; the workers' heartbeat rows when builds run on
workers, none when they run in the server's own process."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from moviebuild.cli.main import _register, cli
from moviebuild.distributed.heartbeat import WorkerRow
from moviebuild.server.backend import BuildListener, InProcessBackend
from moviebuild.server.events import EventLogs
from moviebuild.server.root import LocalRoot
from moviebuild.server.tokens import TokenBook
from tests.server.harness import Http, running_server

_register()
ROW = WorkerRow("w-1", "host-a", 41, "moviebuild-1", "running", 0.4, 1, 7, None)


class BackendWithWorkers(InProcessBackend):
    """The in-process backend that also lists workers, as the cluster backend does."""

    def workers(self) -> list[WorkerRow]:
        return [ROW]


def with_workers(logs: EventLogs, listeners: list[BuildListener]) -> BackendWithWorkers:
    return BackendWithWorkers(logs, listeners=listeners)


def test_an_admin_token_lists_the_workers_and_a_tenant_token_is_refused(tmp_path: Path) -> None:
    with running_server(tmp_path, backend_factory=with_workers) as running:
        _, admin = running.server.tokens.create("ops", admin=True)
        listed = Http(running.base_url, admin).get("/v1/workers")
        refused = running.as_tenant("acme").get("/v1/workers")
        anonymous = Http(running.base_url).get("/v1/workers")

    assert listed.status == 200, listed.body
    assert listed.json() == {"backend": "cluster", "workers": [ROW.to_json()]}
    assert refused.status == 403
    assert refused.json()["error"] == "forbidden"
    assert anonymous.status == 401


def test_a_server_building_in_its_own_process_lists_no_workers(tmp_path: Path) -> None:
    with running_server(tmp_path) as running:
        _, admin = running.server.tokens.create("ops", admin=True)
        listed = Http(running.base_url, admin).get("/v1/workers")

    assert listed.json() == {"backend": "in-process", "workers": []}


def test_token_create_admin_makes_an_admin_token_and_a_plain_one_is_not(tmp_path: Path) -> None:
    runner = CliRunner()
    root = str(tmp_path / "root")
    made = runner.invoke(cli, ["token", "create", "--admin", "--root", root, "--json"])
    plain = runner.invoke(cli, ["token", "create", "acme", "--root", root, "--json"])
    neither = runner.invoke(cli, ["token", "create", "--root", root])

    assert made.exit_code == 0, made.output
    admin, tenant = json.loads(made.stdout), json.loads(plain.stdout)
    book = TokenBook(LocalRoot(tmp_path / "root"))
    assert (admin["tenant"], admin["admin"]) == ("admin", True)
    assert book.is_admin(admin["token"]) and not book.is_admin(tenant["token"])
    assert book.tenant_for(admin["token"]) == "admin"
    assert neither.exit_code == 2 and "TENANT" in neither.output


def test_a_tokens_file_without_admin_tokens_keeps_the_old_format(tmp_path: Path) -> None:
    root = LocalRoot(tmp_path)
    TokenBook(root).create("acme")

    stored = json.loads(root.read_tokens() or "{}")
    assert "admin" not in stored["tokens"][0]
    assert TokenBook(root).entries()[0].admin is False
