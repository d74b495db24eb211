"""The expanded graph of one movie: jobs, the artifacts they produce and consume, and orderings.

A Graph is immutable once built. It knows structure only: which job reads which artifact and
Moviefile field. Whether a job must run is the engine's decision, not the graph's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from graphlib import TopologicalSorter
from types import MappingProxyType

from moviebuild.config.enums import Role
from moviebuild.errors import GraphError, did_you_mean
from moviebuild.graph.ids import NodeId


@dataclass(frozen=True, slots=True)
class Artifact:
    """A generated value; ``producer`` is the id of the one job that writes it."""

    id: NodeId
    kind: str
    producer: NodeId


@dataclass(frozen=True, slots=True)
class Job:
    """One producer instance. ``reads`` are Moviefile fields; ``consumes``/``produces`` artifacts.

    A ``partial`` job (the assembler) runs with whatever inputs exist when some upstream failed.
    """

    id: NodeId
    producer: str
    role: Role
    version: int
    reads: tuple[str, ...]
    consumes: tuple[NodeId, ...]
    produces: tuple[NodeId, ...]
    latency_s: float
    partial: bool = False


class Graph:
    """Jobs in a deterministic topological order, artifacts, dependency maps and Kahn layers."""

    def __init__(self, jobs: Iterable[Job], artifacts: Iterable[Artifact]) -> None:
        artifact_map = {artifact.id: artifact for artifact in artifacts}
        job_list = list(jobs)
        deps: dict[NodeId, tuple[NodeId, ...]] = {}
        for job in job_list:
            deps[job.id] = tuple(sorted({artifact_map[a].producer for a in job.consumes}))
        sorter = TopologicalSorter(deps)
        sorter.prepare()
        layers: list[tuple[NodeId, ...]] = []
        while sorter.is_active():
            ready = tuple(sorted(sorter.get_ready(), key=_order_key))
            layers.append(ready)
            sorter.done(*ready)
        by_id = {job.id: job for job in job_list}
        self._jobs = MappingProxyType(
            {job_id: by_id[job_id] for layer in layers for job_id in layer}
        )
        self._artifacts = MappingProxyType(artifact_map)
        self._deps = MappingProxyType(deps)
        dependents: dict[NodeId, list[NodeId]] = {job_id: [] for job_id in self._jobs}
        for job_id, upstream in deps.items():
            for dep in upstream:
                dependents[dep].append(job_id)
        self._dependents = MappingProxyType({k: tuple(v) for k, v in dependents.items()})
        self._layers = tuple(layers)
        self._layer_of = MappingProxyType(
            {job_id: number for number, layer in enumerate(layers) for job_id in layer}
        )

    @property
    def jobs(self) -> Mapping[NodeId, Job]:
        """Every job, in topological order (layer by layer, then by producer and index)."""
        return self._jobs

    @property
    def artifacts(self) -> Mapping[NodeId, Artifact]:
        return self._artifacts

    @property
    def layers(self) -> tuple[tuple[NodeId, ...], ...]:
        """Kahn layers: for display and for counting; the scheduler does not wait on them."""
        return self._layers

    def layer_of(self, job_id: NodeId) -> int:
        return self._layer_of[job_id]

    def dependencies(self, job_id: NodeId) -> tuple[NodeId, ...]:
        """The jobs whose artifacts ``job_id`` consumes."""
        return self._deps[job_id]

    def dependents(self, job_id: NodeId) -> tuple[NodeId, ...]:
        return self._dependents[job_id]

    def producer_of(self, artifact_id: NodeId) -> Job:
        return self._jobs[self._artifacts[artifact_id].producer]

    def resolve(self, node_id: NodeId) -> Job:
        """The job named by ``node_id``, which may be a job id or an artifact id it produces."""
        if node_id in self._jobs:
            return self._jobs[node_id]
        if node_id in self._artifacts:
            return self.producer_of(node_id)
        names = [str(n) for n in (*self._jobs, *self._artifacts)]
        raise GraphError(
            f"{node_id} is not part of this movie",
            hint=did_you_mean(str(node_id), names)
            or "list the ids with `moviebuild --dry-run` or `moviebuild graph`",
        )


def _order_key(job_id: NodeId) -> tuple[str, tuple[int, ...]]:
    return job_id.name, job_id.index
