"""Requests are built from what the blueprints say a job consumes and produces: every producer of
the blueprints has a request builder, an answer fills the job's declared outputs in order, and a
media job's prompt is the text it consumes."""

from __future__ import annotations

import pytest

from moviebuild.config.blueprint import load_blueprints
from moviebuild.config.enums import Role
from moviebuild.config.load import parse_moviefile
from moviebuild.errors import ProviderError
from moviebuild.graph import Graph, NodeId, expand_graph
from moviebuild.graph.translation import TRANSLATOR
from moviebuild.producers import BUILDERS, media_request, text_builder
from moviebuild.providers.requests import ImageRequest, VideoRequest

OPTIONS = {"model": None, "params": {}, "take": 0}


def expand(text: str) -> Graph:
    return expand_graph(parse_moviefile(text), load_blueprints())


def test_every_llm_producer_of_the_blueprints_has_a_builder() -> None:
    llm = {p.name for p in load_blueprints().producers if p.role is Role.TEXT}
    # A language variant's translator is added to the graph by graph/translation.py.
    assert llm | {TRANSLATOR} == set(BUILDERS)


def test_an_answer_fills_the_declared_outputs_in_order_with_counts_from_the_graph() -> None:
    graph = expand("inquiry: tea\nduration: 30\nimages_per_segment: 2\n")
    script = graph.jobs[NodeId("ScriptProducer")]
    builder = text_builder(script)
    segments = builder.counted_schema(script)["properties"]["segments"]
    assert (segments["minItems"], segments["maxItems"]) == (3, 3)
    assert builder.token_budget(script) == 300 + 3 * 200
    answer = {"title": "Tea", "summary": "S.",
              "segments": [{"narration": f"N{i}"} for i in (1, 2, 3)]}
    outputs = builder.outputs(script, answer)
    assert outputs[NodeId("MovieTitle")] == b"Tea"
    assert outputs[NodeId("SegmentNarration", (3,))] == b"N3"
    with pytest.raises(ProviderError, match="2 segments instead of 3"):
        builder.outputs(script, {**answer, "segments": answer["segments"][:2]})

    prompts = graph.jobs[NodeId("TextToImagePromptProducer", (2,))]
    variables = text_builder(prompts).variables(
        prompts, {"image_style": "ink"}, {NodeId("SegmentNarration", (2,)): b"Tea came."}
    )
    assert (variables["segment"], variables["narration"]) == (2, "Tea came.")
    # More image prompts than asked are cut to the images the blueprint expands.
    assert text_builder(prompts).outputs(prompts, {"image_prompts": ["a", "b", "c"]}) == {
        NodeId("SegmentImagePrompt", (2, 1)): b"a",
        NodeId("SegmentImagePrompt", (2, 2)): b"b",
    }


def test_a_media_job_reads_the_text_and_image_it_consumes() -> None:
    fields = {"size": "480p", "aspect_ratio": "16:9", "image_style": "ink"}
    graph = expand("inquiry: tea\nduration: 10\nuse_video: true\nimage_to_video: true\n")
    start = graph.jobs[NodeId("StartingImageProducer", (1,))]
    image = media_request(start, fields, {NodeId("StartingImagePrompt", (1,)): b"A cup."},
                          **OPTIONS)
    assert isinstance(image, ImageRequest) and image.prompt == "A cup."
    video_job = graph.jobs[NodeId("ImageToVideoProducer", (1,))]
    video = media_request(video_job, fields, {
        NodeId("StartingImage", (1,)): b"PNG",
        NodeId("ImageToMovieDirectionPrompt", (1,)): b"Steam rises.",
    }, **OPTIONS)
    assert isinstance(video, VideoRequest)
    assert (video.prompt, video.start_image) == ("Steam rises.", b"PNG")
