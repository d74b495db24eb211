"""A build on workers bills what a local build bills: each worker returns what its provider
reported a call billed, and the build that sent the call records it in its journal and revision
(the cost per provider, estimated, billed and what reuse saved) as it would have run the call
itself."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from moviebuild.distributed.backend import ClusterBackend
from moviebuild.distributed.settings import ClusterSettings
from moviebuild.distributed.workflows import BuildTicket
from moviebuild.project.movie import Movie
from moviebuild.providers.endpoints import POLL_INTERVAL_ENV
from tests.distributed.cluster import (
    FAKE,
    RecordingReplicate,
    WorkerProcess,
    create_database,
    outcome,
    write_movie,
)

pytestmark = pytest.mark.cluster

PROVIDERS = {**FAKE, "image": {"adapter": "replicate"}}


def costs(folder: Path) -> dict[str, Any]:
    """The current revision's cost per provider, the bill of each job that ran and what its
    provider reported (the model and the outputs billed: Replicate's predict time depends on
    how often the prediction was polled)."""
    store = folder / ".moviebuild"
    head = int((store / "HEAD").read_text())
    manifest = json.loads((store / "revisions" / f"{head}.json").read_text())
    billed = {job: entry.get("billed_usd") for job, entry in manifest["jobs"].items()
              if entry.get("billed_usd")}
    reported = {job: [(u["provider"], u.get("model"), u["units"].get("outputs"))
                      for u in entry.get("usage", ())]
                for job, entry in manifest["jobs"].items() if entry.get("action") == "run"}
    return {"providers": manifest["summary"]["costs"], "jobs": billed, "usage": reported,
            "total": manifest["summary"]["cost_usd"]}


def test_a_build_on_workers_reports_billed_and_saved_as_a_local_build(
    postgres_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = create_database(postgres_server)
    root, local = tmp_path / "movies", tmp_path / "local"
    write_movie(root / "m0", 0, providers=PROVIDERS)
    shutil.copytree(root / "m0", local / "m0")
    with RecordingReplicate() as replicate:
        env = {**replicate.environment(), POLL_INTERVAL_ENV: "0.02"}
        worker = WorkerProcess(database, root, env, tmp_path)
        backend = ClusterBackend(ClusterSettings(database, poll_interval_s=0.05))
        try:
            backend.start("build-1", BuildTicket("m0"))
            first = asyncio.run(backend.wait("build-1", 120))
            on_workers = costs(root / "m0")
            backend.start("build-2", BuildTicket("m0", redo=["SegmentImage[1][1]"]))
            again = asyncio.run(backend.wait("build-2", 120))
            redone = costs(root / "m0")
        finally:
            code = worker.stop()
            backend.close()
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        Movie.open(local / "m0").build()
        here = costs(local / "m0")
        log = worker.log_text()

    assert outcome(first.answer) == "complete" and outcome(again.answer) == "complete", log
    assert code == 0, log
    replicate_cost = on_workers["providers"]["replicate"]
    assert replicate_cost["billed_usd"] > 0, on_workers
    assert on_workers == here
    assert sum(1 for usage in on_workers["usage"].values() if usage) == 4, on_workers["usage"]
    # The second build paid for one image and saved the price of the three it reused.
    one = redone["providers"]["replicate"]
    assert one["billed_usd"] == pytest.approx(replicate_cost["billed_usd"] / 4, rel=1e-6)
    assert one["saved_usd"] == pytest.approx(replicate_cost["estimated_usd"] * 3 / 4, rel=1e-6)
