"""``moviebuild worker`` from the command line: what it says when its database is unreachable
(nothing listens on the port), without a traceback and without the password; and what a worker
or a server on workers says about an S3 root it cannot use (a bad URL, an unreachable endpoint,
no credentials) before it reaches the database."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

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


def _no_s3(monkeypatch: pytest.MonkeyPatch, endpoint: str, *, keys: bool) -> None:
    """The environment of a host whose S3 endpoint is ``endpoint``, with or without keys (and
    nowhere else to find them)."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("MOVIEBUILD_STORE_ATTEMPTS", "1")
    if keys:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    else:
        monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)


def _worker(*args: str) -> Result:
    # The database is never reached: the root is checked first.
    url = f"postgresql://mb:s3cret@127.0.0.1:{_closed_port()}/movies"
    return CliRunner().invoke(cli, ["worker", "--database", url, *args])


def test_a_worker_refuses_an_s3_root_that_names_no_bucket() -> None:
    result = _worker("--root", "s3://")
    assert result.exit_code == 2, result.output
    assert "--root s3://: not a usable S3 location" in result.output
    assert "Traceback" not in result.output


def test_a_worker_whose_s3_endpoint_is_unreachable_says_so_and_exits_3(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_s3(monkeypatch, f"http://127.0.0.1:{_closed_port()}", keys=True)
    result = _worker("--root", "s3://films/fleet", "--cache", str(tmp_path))
    assert result.exit_code == 3, result.output
    assert "could not read s3://films/fleet: the endpoint is unreachable" in result.output
    assert "hint: check AWS_ENDPOINT_URL" in result.output
    assert "Traceback" not in result.output


def test_a_worker_without_s3_credentials_says_which_and_exits_3(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_s3(monkeypatch, f"http://127.0.0.1:{_closed_port()}", keys=False)
    result = _worker("--root", "s3://films/fleet", "--cache", str(tmp_path))
    assert result.exit_code == 3, result.output
    assert "could not read s3://films/fleet: no credentials" in result.output
    assert "AWS_ACCESS_KEY_ID" in result.output
    assert "Traceback" not in result.output


def test_a_cache_goes_with_an_s3_root_only(tmp_path: Path) -> None:
    result = _worker("--root", str(tmp_path / "movies"), "--cache", str(tmp_path / "cache"))
    assert result.exit_code == 2, result.output
    assert "--cache goes with an S3 --root" in result.output


def test_a_server_on_workers_checks_its_s3_root_before_the_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_s3(monkeypatch, f"http://127.0.0.1:{_closed_port()}", keys=False)
    url = f"postgresql://mb:s3cret@127.0.0.1:{_closed_port()}/movies"
    result = CliRunner().invoke(cli, [
        "serve", "--database", url, "--root", "s3://films/fleet", "--cache", str(tmp_path),
        "--port", "0",
    ])
    assert result.exit_code == 3, result.output
    assert "could not read s3://films/fleet: no credentials" in result.output
    assert "Traceback" not in result.output
