"""``moviebuild worker`` from the command line: what it says when its database is unreachable
(nothing listens on the port), without a traceback and without the password."""

from __future__ import annotations

import socket
from pathlib import Path

from click.testing import CliRunner

from moviebuild.cli.main import _register, cli


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def setup_module() -> None:
    _register()


def test_a_worker_without_its_database_says_where_and_exits_3() -> None:
    url = f"postgresql://mb:s3cret@127.0.0.1:{_closed_port()}/movies"
    result = CliRunner().invoke(cli, ["worker", "--database", url])
    assert result.exit_code == 3, result.output
    assert "could not reach the database postgresql://mb@127.0.0.1" in result.output
    assert "s3cret" not in result.output
    assert "Traceback" not in result.output


def test_the_worker_command_is_listed() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert "worker" in result.output


def test_a_server_without_its_database_says_where_and_exits_3(tmp_path: Path) -> None:
    url = f"postgresql://mb:s3cret@127.0.0.1:{_closed_port()}/movies"
    result = CliRunner().invoke(
        cli, ["serve", "--database", url, "--root", str(tmp_path), "--port", "0"]
    )
    assert result.exit_code == 3, result.output
    assert "could not reach the database postgresql://mb@127.0.0.1" in result.output
    assert "s3cret" not in result.output
    assert "Traceback" not in result.output
