"""docs/scale-out.md, "From nothing to a cluster", run as written: a role and a database made
with psql by the superuser, then the operator's limits and a worker as that role (no superuser
rights), which builds a movie."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from moviebuild.distributed.backend import ClusterBackend
from moviebuild.distributed.settings import ClusterSettings
from moviebuild.distributed.workflows import BuildTicket
from tests.distributed.cluster import WorkerProcess, outcome, write_movie

pytestmark = pytest.mark.cluster

DOC = Path(__file__).resolve().parents[2] / "docs" / "scale-out.md"


def _doc_commands(section: str) -> tuple[list[str], list[str]]:
    """The command lines of the first code block under ``section`` in docs/scale-out.md."""
    text = DOC.read_text().split(f"## {section}", 1)[1]
    blocks = text.split("```")
    return [line.split("   #")[0].strip() for line in blocks[1].strip().splitlines()], blocks


def test_a_cluster_from_nothing_as_the_docs_say(postgres_server: str, tmp_path: Path) -> None:
    host = postgres_server.split("@", 1)[1].split("/", 1)[0]
    role, database = f"mb{uuid.uuid4().hex[:6]}", f"moviebuild_{uuid.uuid4().hex[:6]}"
    superuser = postgres_server.split("//", 1)[1].split("@", 1)[0]

    def adapt(line: str) -> str:
        line = re.sub(r"\bmb\b", role, line)
        line = line.replace("DATABASE moviebuild ", f"DATABASE {database} ")
        line = line.replace("db:5432/moviebuild", f"db:5432/{database}")
        return line.replace("db:5432", host).replace("postgres@", f"{superuser}@")

    _, blocks = _doc_commands("From nothing to a cluster")
    setup = [adapt(line) for line in blocks[1].strip().splitlines()]
    operate = [adapt(line.split("#")[0].strip()) for line in blocks[3].strip().splitlines()]
    for line in setup:
        subprocess.run(line, shell=True, check=True, capture_output=True)
    url = operate[0].split("=", 1)[1]
    assert url == f"postgresql://{role}:secret@{host}/{database}"
    env = {**os.environ, "MOVIEBUILD_DATABASE": url,
           "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    limits = subprocess.run(operate[1], shell=True, env=env, capture_output=True, text=True)
    assert limits.returncode == 0, limits.stderr
    assert operate[2].startswith("moviebuild worker --root")

    root = tmp_path / "movies"
    write_movie(root / "m0", 0)
    worker = WorkerProcess(url, root, {}, tmp_path)
    backend = ClusterBackend(ClusterSettings(url, poll_interval_s=0.05))
    try:
        backend.start("b0", BuildTicket("m0"))
        answer = asyncio.run(backend.wait("b0", 120))
    finally:
        backend.close()
        code = worker.stop()
    listed = subprocess.run(operate[4], shell=True, env=env, capture_output=True, text=True)

    assert outcome(answer.answer) == "complete", worker.log_text()
    assert code == 0
    assert listed.returncode == 0, listed.stderr
    rows = {line.split()[0]: line.split()[1:] for line in listed.stdout.splitlines()}
    assert rows["replicate"] == ["4", "at", "once", "600/min", "operator"]
