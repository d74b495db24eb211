"""Expansion counts for every branch and for a per-segment mix."""

from __future__ import annotations

from collections import Counter

import pytest

from moviebuild.config.blueprint import load_blueprints
from moviebuild.config.load import parse_moviefile
from moviebuild.graph import Graph, NodeId, expand_graph


def expand(text: str) -> Graph:
    return expand_graph(parse_moviefile(text), load_blueprints())


def test_image_only_30_by_5_is_214_jobs_in_4_layers() -> None:
    graph = expand("inquiry: x\nduration: 300\nimages_per_segment: 5\n")
    assert len(graph.jobs) == 214
    assert len(graph.layers) == 4
    assert Counter(j.producer for j in graph.jobs.values())["TextToImageProducer"] == 150


def test_all_video_by_image_30_is_124_jobs_in_5_layers() -> None:
    graph = expand("inquiry: x\nduration: 300\nuse_video: true\nimage_to_video: true\n")
    counts = Counter(j.producer for j in graph.jobs.values())
    assert len(graph.jobs) == 124 == 1 + 1 + 1 + 30 + 30 + 30 + 30 + 1
    assert len(graph.layers) == 5
    assert counts["ImageToVideoProducer"] == counts["StartingImageProducer"] == 30


def test_all_video_by_text_30() -> None:
    graph = expand("inquiry: x\nduration: 300\nuse_video: true\n")
    assert len(graph.jobs) == 1 + 1 + 1 + 30 + 30 + 30 + 1
    assert len(graph.layers) == 4


@pytest.mark.parametrize("m", [1, 3, 5])
def test_image_prompts_fan_out_to_m_images(m: int) -> None:
    graph = expand(f"inquiry: x\nduration: 20\nimages_per_segment: {m}\n")
    prompt_job = graph.jobs[NodeId("TextToImagePromptProducer", (2,))]
    assert prompt_job.produces == tuple(
        NodeId("SegmentImagePrompt", (2, j)) for j in range(1, m + 1)
    )
    assert graph.jobs[NodeId("TextToImageProducer", (2, m))].consumes == (
        NodeId("SegmentImagePrompt", (2, m)),
    )


def test_segments_mix_branches() -> None:
    graph = expand(
        "inquiry: x\nduration: 60\nimages_per_segment: 2\n"
        "segments:\n  2: {use_video: true}\n  3: {use_video: true, image_to_video: true}\n"
    )
    counts = Counter(j.producer for j in graph.jobs.values())
    assert counts["TextToImagePromptProducer"] == 4
    assert counts["TextToImageProducer"] == 8
    assert counts["TextToVideoProducer"] == 1
    assert counts["ImageToVideoProducer"] == 1
    assert NodeId("TextToVideoProducer", (2,)) in graph.jobs
    assert NodeId("ImageToVideoProducer", (3,)) in graph.jobs
    assembler = graph.jobs[NodeId("TimelineAssembler")]
    assert NodeId("SegmentVideo", (2,)) in assembler.consumes
    assert NodeId("SegmentVideo", (3,)) in assembler.consumes
    assert NodeId("SegmentImage", (1, 2)) in assembler.consumes
    assert len(graph.layers) == 5


def test_jobs_come_in_topological_order() -> None:
    graph = expand("inquiry: x\nduration: 60\nuse_video: true\nimage_to_video: true\n")
    seen: set[NodeId] = set()
    for job_id in graph.jobs:
        assert set(graph.dependencies(job_id)) <= seen
        seen.add(job_id)
