"""Scheduling quality and overhead.

1. Real time, the design's median latencies scaled by 1/100, no pool limits: measured makespan
   over the critical path for the three branches (the design's 85 s, 145 s, 205 s). Target <= 1.03.
2. Virtual time (manual clock), 30 x 5 movies of each branch, lognormal latencies (sigma 0.5,
   medians as above), pools image 8 / video 4: median over 25 draws of makespan over the lower
   bound, and the same ratio for layer-by-layer execution on the same durations. Target <= 1.10
   and below layer-by-layer.
3. Peak memory of a 30 x 5 build with instant fake providers (target < 200 MB) and the wall time
   of a no-op `moviebuild` on it (target < 0.4 s).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from moviebuild.config.blueprint import load_blueprints
from moviebuild.config.load import parse_moviefile
from moviebuild.engine.clock import Clock, RealClock
from moviebuild.engine.decide import JobDecider
from moviebuild.engine.pools import Pool, PoolLimits
from moviebuild.engine.scheduler import Scheduler
from moviebuild.graph import Graph, NodeId, expand_graph
from moviebuild.project.executor import ProviderExecutor
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter
from moviebuild.testing.memory import MemoryRecorder, MemoryResults

ROLES = ("text", "speech", "music", "image", "video")
BRANCHES = {
    "image": {},
    "text-to-video": {"use_video": True},
    "image-to-video": {"use_video": True, "image_to_video": True},
}
MEDIANS_S = {
    "ScriptProducer": 50,
    "TextToMusicPromptProducer": 5,
    "MusicProducer": 10,
    "AudioProducer": 10,
    "TextToImagePromptProducer": 5,
    "TextToImageProducer": 30,
    "TextToVideoPromptProducer": 5,
    "TextToVideoProducer": 90,
    "ImageToVideoPromptProducer": 5,
    "StartingImageProducer": 30,
    "ImageToVideoProducer": 120,
    "TimelineAssembler": 0,
}


def moviefile_text(branch: str, duration: int, m: int, limits: Mapping[str, Any]) -> str:
    data: dict[str, Any] = {
        "inquiry": "Tell me about the Civil War",
        "duration": duration,
        "images_per_segment": m,
        "providers": {role: {"adapter": "fake"} for role in ROLES},
        "limits": dict(limits),
        **BRANCHES[branch],
    }
    return yaml.safe_dump(data)


async def schedule(
    graph: Graph, text: str, durations: Mapping[NodeId, float], clock: Clock
) -> float:
    """Run the scheduler over ``graph`` with fake jobs taking ``durations``; returns makespan."""
    moviefile = parse_moviefile(text, producer_names=[p.name for p in load_blueprints().producers])
    fake = FakeAdapter(clock=clock, latency_s={str(k): v for k, v in durations.items()})
    executor = ProviderExecutor(moviefile, adapters={"fake": fake}, assembler=lambda request: b"{}")
    decider = JobDecider(moviefile, {}, MemoryResults(), executor)
    pools: dict[str, Pool] = {}
    for job in graph.jobs.values():
        name = executor.identity(job).pool
        limit = moviefile.limits.get(name) or moviefile.limits.get(name.split(":")[0])
        concurrent = limit.concurrent if limit else 256
        pools.setdefault(name, Pool(name, PoolLimits(concurrent), clock))
    scheduler = Scheduler(graph, decider, executor, MemoryRecorder(), pools, clock)
    began = clock.now()
    outcomes = await scheduler.run()
    assert all(o.status.value == "done" for o in outcomes.values())
    return clock.now() - began


def critical_path_s(graph: Graph, durations: Mapping[NodeId, float]) -> float:
    finish: dict[NodeId, float] = {}
    for job_id in graph.jobs:
        start = max((finish[d] for d in graph.dependencies(job_id)), default=0.0)
        finish[job_id] = start + durations[job_id]
    return max(finish.values())


def lower_bound_s(
    graph: Graph, durations: Mapping[NodeId, float], pools: Mapping[str, tuple[set[str], int]]
) -> float:
    head: dict[NodeId, float] = {}
    for job_id in graph.jobs:
        head[job_id] = max(
            (head[d] + durations[d] for d in graph.dependencies(job_id)), default=0.0
        )
    tail: dict[NodeId, float] = {}
    for job_id in reversed(list(graph.jobs)):
        tail[job_id] = max((durations[d] + tail[d] for d in graph.dependents(job_id)), default=0.0)
    bound = critical_path_s(graph, durations)
    for producers, capacity in pools.values():
        members = [j for j in graph.jobs if j.name in producers]
        if not members:
            continue
        work = sum(durations[j] for j in members)
        bound = max(
            bound, min(head[j] for j in members) + work / capacity + min(tail[j] for j in members)
        )
    return bound


def layer_by_layer_s(
    graph: Graph, durations: Mapping[NodeId, float], pools: Mapping[str, tuple[set[str], int]]
) -> float:
    total = 0.0
    for layer in graph.layers:
        longest = 0.0
        pooled: set[NodeId] = set()
        for producers, capacity in pools.values():
            members = [j for j in layer if j.name in producers]
            pooled.update(members)
            machines = [0.0] * capacity
            for job_id in members:
                slot = machines.index(min(machines))
                machines[slot] += durations[job_id]
            longest = max(longest, max(machines, default=0.0))
        longest = max([longest, *(durations[j] for j in layer if j not in pooled)])
        total += longest
    return total


def part_one() -> None:
    print("1. real time, medians / 100, no pool limits (makespan / critical path; target <= 1.03)")
    for branch in BRANCHES:
        text = moviefile_text(branch, 60, 3, {"fake": {"concurrent": 256}})
        graph = expand_graph(parse_moviefile(text), load_blueprints())
        durations = {j: MEDIANS_S[j.name] / 100 for j in graph.jobs}
        critical = critical_path_s(graph, durations)
        makespan = asyncio.run(schedule(graph, text, durations, RealClock()))
        print(
            f"   {branch:<15} critical path {critical * 100:5.0f} s (scaled {critical:.2f} s), "
            f"makespan {makespan:.3f} s, ratio {makespan / critical:.3f}"
        )


def part_two(draws: int = 25) -> None:
    print(f"2. virtual time, 30 x 5, lognormal sigma 0.5, pools image 8 / video 4, {draws} draws")
    limits = {
        "fake": {"concurrent": 256},
        "fake:image": {"concurrent": 8},
        "fake:video": {"concurrent": 4},
    }
    pools = {
        "image": ({"TextToImageProducer", "StartingImageProducer"}, 8),
        "video": ({"TextToVideoProducer", "ImageToVideoProducer"}, 4),
    }
    for branch in BRANCHES:
        text = moviefile_text(branch, 300, 5, limits)
        graph = expand_graph(parse_moviefile(text), load_blueprints())
        rng = random.Random(7)
        ours, layered = [], []
        for _ in range(draws):
            durations = {j: MEDIANS_S[j.name] * math.exp(rng.gauss(0, 0.5)) for j in graph.jobs}
            bound = lower_bound_s(graph, durations, pools)
            makespan = asyncio.run(schedule(graph, text, durations, ManualClock()))
            ours.append(makespan / bound)
            layered.append(layer_by_layer_s(graph, durations, pools) / bound)
        print(
            f"   {branch:<15} {len(graph.jobs)} jobs: dataflow {statistics.median(ours):.3f}, "
            f"layer-by-layer {statistics.median(layered):.3f} (median makespan / lower bound; "
            f"target <= 1.10 and below layer-by-layer)"
        )


def part_three() -> None:
    print("3. a 30 x 5 build with instant fake providers, as the CLI runs it")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "Moviefile.yaml").write_text(
            moviefile_text("image", 300, 5, {"fake": {"concurrent": 64}})
        )
        config = root / "fake.json"
        config.write_text(json.dumps({"latency_s": {}}))
        env = {**os.environ, "MOVIEBUILD_FAKE_CONFIG": str(config)}
        probe = (
            "import resource, runpy, sys; sys.argv = ['moviebuild', '-C', sys.argv[1], "
            "'--json']\ntry:\n    runpy.run_module('moviebuild', run_name='__main__')\n"
            "finally:\n    print('maxrss_kb', resource.getrusage(resource.RUSAGE_SELF)"
            ".ru_maxrss, file=sys.stderr)"
        )
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", probe, folder],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        build_s = time.perf_counter() - began
        rss_kb = int(done.stderr.split("maxrss_kb")[-1].split()[0])
        print(
            f"   first build: {build_s:.2f} s, peak memory {rss_kb / 1024:.0f} MB (target < 200 MB)"
        )
        times = []
        for _ in range(5):
            began = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "moviebuild", "-C", folder, "--json"],
                env=env,
                capture_output=True,
                check=True,
            )
            times.append(time.perf_counter() - began)
        print(f"   no-op build: median {statistics.median(times):.3f} s (target < 0.4 s)")


if __name__ == "__main__":
    part_one()
    part_two()
    part_three()
