"""The CLI against a server movie (``--server``/``MOVIEBUILD_SERVER``), the ``token`` commands,
and a local dry run that loads no server code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from moviebuild.cli.main import _register, cli
from moviebuild.server.root import LocalRoot
from moviebuild.server.tokens import TokenBook
from tests.conftest import write_moviefile
from tests.server.harness import moviefile, running_server

_register()


def test_dry_run_build_and_status_work_against_a_server_movie(tmp_path: Path) -> None:
    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        movie_id = http.post("/v1/movies", {"moviefile": moviefile()}).json()["id"]
        http.wait_for_build(movie_id)
        env = {
            "MOVIEBUILD_SERVER": running.base_url,
            "MOVIEBUILD_TOKEN": http.token or "",
            "MOVIEBUILD_MOVIE": movie_id,
        }
        runner = CliRunner()
        edit = ["--set", "SegmentNarration[2]=Lincoln rides north."]
        planned = runner.invoke(cli, ["--dry-run", "--json", *edit], env=env)
        assert planned.exit_code == 0, planned.output
        plan_ids = {job["id"] for job in json.loads(planned.output)["jobs"]}
        assert "AudioProducer[2]" in plan_ids
        folder = running.server.root.movie_folder("acme", movie_id)
        remote_text = runner.invoke(cli, ["--dry-run", *edit], env=env)
        local_text = runner.invoke(cli, ["-C", str(folder), "--dry-run", *edit])
        assert remote_text.exit_code == local_text.exit_code == 0, remote_text.output
        assert remote_text.output == local_text.output, "one rendering, whichever door"
        assert "critical path:" in remote_text.output

        built = runner.invoke(cli, ["--json", *edit], env=env)
        assert built.exit_code == 0, built.output
        build = json.loads(built.output)
        assert build["outcome"] == "complete" and build["revision"] == 2
        ran = {f"{name}" for name in build["ran"]}
        assert ran <= {job.split("[")[0] for job in plan_ids}

        status = runner.invoke(cli, ["status", "--json"], env=env)
        assert status.exit_code == 0, status.output
        state = json.loads(status.output)
        assert state["revision"] == 2 and state["up_to_date"]
        text = runner.invoke(cli, ["status"], env=env)
        assert text.output.startswith("revision 2 (complete)")

        missing = runner.invoke(cli, ["status"], env={**env, "MOVIEBUILD_MOVIE": ""})
        assert missing.exit_code == 2 and "--movie" in missing.output


def test_token_create_prints_a_token_once_and_keeps_only_its_hash(tmp_path: Path) -> None:
    root = tmp_path / "root"
    runner = CliRunner()
    created = runner.invoke(cli, ["token", "create", "acme", "--root", str(root), "--json"])
    assert created.exit_code == 0, created.output
    token = json.loads(created.output)["token"]
    stored = (root / "tokens.json").read_text()
    assert token not in stored
    assert TokenBook(LocalRoot(root)).tenant_for(token) == "acme"
    listed = runner.invoke(cli, ["token", "list", "--root", str(root)])
    token_id = listed.output.split()[0]
    assert token not in listed.output
    revoked = runner.invoke(cli, ["token", "revoke", token_id, "--root", str(root)])
    assert revoked.exit_code == 0
    assert TokenBook(LocalRoot(root)).tenant_for(token) is None
    bad = runner.invoke(cli, ["token", "create", "../evil", "--root", str(root)])
    assert bad.exit_code == 2 and "cannot name a tenant" in bad.output


def test_a_local_dry_run_imports_no_server_code(tmp_path: Path) -> None:
    folder = tmp_path / "movie"
    write_moviefile(folder)
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from moviebuild.cli.main import _register, cli\n"
        "_register()\n"
        f"result = CliRunner().invoke(cli, ['-C', {str(folder)!r}, '--dry-run'])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(sorted(m for m in sys.modules if m.startswith(('aiohttp.web', "
        "'moviebuild.server', 'moviebuild.client'))))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"
