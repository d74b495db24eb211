"""Where a build's job runs on workers: local work (offline engines, the timeline) in the worker's
own slots, never on a queue of the cluster; a provider call on the operator's pool of its
provider (``adapter:role`` only where the operator limits that role on its own)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from moviebuild.config.enums import Role
from moviebuild.distributed.dispatch import DispatchingExecutor, admission_pools
from moviebuild.distributed.limits import ClusterLimits, PoolLimits
from moviebuild.distributed.local import LocalSlots
from moviebuild.distributed.queues import queue_options, tenant_of
from moviebuild.engine.interfaces import JobRequest
from moviebuild.engine.keys import JobIdentity
from moviebuild.graph import Job, NodeId, parse_node_id
from moviebuild.project.movie import Movie
from tests.distributed.cluster import FAKE, write_movie


def _job(name: str, role: Role) -> Job:
    return Job(id=parse_node_id(name), producer=name.split("[")[0], role=role, version=1,
               reads=(), consumes=(), produces=(), latency_s=1.0)


class _Inner:
    """The build's own executor: it counts the jobs it runs at once."""

    def __init__(self, adapter: str) -> None:
        self.adapter = adapter
        self.running = self.most = self.ran = 0

    def identity(self, job: Job) -> JobIdentity:
        return JobIdentity(adapter=self.adapter, pool=self.adapter)

    async def execute(self, request: JobRequest) -> dict[NodeId, bytes]:
        self.running += 1
        self.most = max(self.most, self.running)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        self.running -= 1
        self.ran += 1
        return {}


class _NoCluster:
    """A dispatcher whose queues must not be used."""

    def __init__(self, slots: int) -> None:
        self.local = LocalSlots(slots)

    async def call(self, *_args: Any) -> Any:
        raise AssertionError("local work was sent to a queue of the cluster")


@pytest.mark.parametrize(("adapter", "role"), [("offline", Role.SPEECH),
                                               ("internal", Role.INTERNAL)])
def test_local_work_runs_in_the_workers_slots_and_never_on_a_queue(
    adapter: str, role: Role
) -> None:
    inner = _Inner(adapter)
    executor = DispatchingExecutor(inner, None, 1, "acme/m/b1", _NoCluster(2))  # type: ignore[arg-type]
    requests = [JobRequest(job=_job(f"AudioProducer[{n}]", role), fields={}, inputs={},
                           key=f"{n:032x}") for n in range(1, 6)]

    async def run_all() -> None:
        await asyncio.gather(*(executor.execute(r) for r in requests))

    asyncio.run(run_all())
    assert (inner.ran, inner.most) == (5, 2)


def test_a_call_goes_to_its_providers_pool_unless_the_operator_split_off_its_role() -> None:
    plain = ClusterLimits()
    split = ClusterLimits({"openai:image": PoolLimits("openai:image", 2, None, "operator")})

    assert plain.pool_for("openai", Role.IMAGE) == "openai"
    assert split.pool_for("openai", Role.IMAGE) == "openai:image"
    assert split.pool_for("openai", Role.TEXT) == "openai"
    assert split.limits_of("openai").concurrent == 8 and split.limits_of("openai").source == (
        "default"
    )


def test_a_pool_queue_is_partitioned_by_tenant_within_the_pools_limits() -> None:
    options = queue_options(PoolLimits("replicate", 3, 60, "operator"), 0.5)

    assert options == {"global_concurrency": 3, "partition_concurrency": 3,
                       "limiter": {"limit": 60, "period": 60.0}, "polling_interval_sec": 0.5}
    assert tenant_of("acme/movie-1/b7") == "acme"
    assert tenant_of("build-m0") == "-"


@pytest.mark.parametrize(
    ("asks", "operator", "admitted"),
    [
        ({"replicate": {"concurrent": 12}}, 3, (3, None)),  # a Moviefile never raises it
        ({"replicate": {"concurrent": 2, "requests_per_minute": 30}}, 3, (2, 30)),  # but lowers
        ({}, 20, (20, None)),  # silent: the cluster's, not the adapter's default of 8
        ({}, None, (8, 600)),  # nobody set it: the adapter's default
    ],
)
def test_a_builds_own_admission_is_the_clusters_lowered_by_its_moviefile(
    tmp_path: Path, asks: dict[str, Any], operator: int | None, admitted: tuple[int, int | None]
) -> None:
    folder = write_movie(tmp_path / "m", 1, limits=asks,
                         providers={**FAKE, "image": {"adapter": "replicate"}})
    snapshot = Movie.open(folder).snapshot
    cluster = ClusterLimits(
        {} if operator is None else {"replicate": PoolLimits("replicate", operator, None,
                                                             "operator")}
    )

    pools = admission_pools(snapshot, cluster)

    limits = pools["replicate"].limits
    assert (limits.concurrent, limits.requests_per_minute) == admitted
    assert "fake" in pools and "internal" not in pools, "local pools stay the Moviefile's"
