"""Which job starts when: when its own inputs exist, not its layer; pool slots by longest path."""

from __future__ import annotations

from moviebuild.config.blueprint import load_blueprints
from moviebuild.config.load import parse_moviefile
from moviebuild.engine.pools import PoolLimits
from moviebuild.graph import NodeId, expand_graph
from moviebuild.testing.scheduling import ScriptedBuild, sketch_graph


async def test_a_job_starts_when_its_own_inputs_exist_not_its_layer() -> None:
    graph = sketch_graph({"A[1]": [], "A[2]": [], "B[1]": ["A[1]"], "B[2]": ["A[2]"]})
    build = ScriptedBuild(graph)
    await build.start()
    assert build.running == ["A[1]", "A[2]"]

    await build.complete("A[1]")

    assert graph.layer_of(NodeId("B", (1,))) == 1
    assert build.running == ["A[2]", "B[1]"]
    await build.complete("B[1]", "A[2]", "B[2]")
    assert {o.status.value for o in (await build.finish()).values()} == {"done"}


async def test_image_jobs_of_the_real_blueprints_start_when_their_own_prompts_exist() -> None:
    blueprints = load_blueprints()
    moviefile = parse_moviefile(
        "inquiry: Tell me about volcanoes\nduration: 20\nimages_per_segment: 2\n",
        producer_names=[p.name for p in blueprints.producers],
    )
    build = ScriptedBuild(expand_graph(moviefile, blueprints), moviefile=moviefile)
    await build.start()
    assert build.running == ["ScriptProducer"]
    await build.complete("ScriptProducer")
    rest_of_layer_one = set(build.running) - {"TextToImagePromptProducer[1]"}
    assert "TextToImagePromptProducer[2]" in rest_of_layer_one

    await build.complete("TextToImagePromptProducer[1]")

    assert set(build.running) == {
        *rest_of_layer_one,
        "TextToImageProducer[1][1]",
        "TextToImageProducer[1][2]",
    }
    while build.running:
        await build.complete(build.running[0])
    outcomes = await build.finish()
    assert outcomes["TimelineAssembler"].status.value == "done"
    assert build.started.count("TimelineAssembler") == 1


async def test_a_full_pool_admits_the_longest_remaining_path_first() -> None:
    graph = sketch_graph(
        {"Hold": [], "Short": [], "Up": [], "Long": ["Up"], "Tail": ["Long"]},
        latency_s={"Hold": 20, "Short": 1, "Up": 1, "Long": 5, "Tail": 100},
    )
    build = ScriptedBuild(
        graph,
        pools={"Hold": "image", "Short": "image", "Long": "image"},
        limits={"image": PoolLimits(concurrent=1)},
    )
    await build.start()
    assert build.running == ["Up", "Hold"], "Short waits in the full image pool"
    await build.complete("Up")
    assert build.running == ["Hold"], "Long now waits too, behind Short in arrival order"

    await build.complete("Hold")

    assert build.running == ["Long"]
    await build.complete("Long")
    assert sorted(build.running) == ["Short", "Tail"]


async def test_a_pool_never_has_more_calls_in_flight_than_its_limit() -> None:
    graph = sketch_graph({f"Image[{i}]": [] for i in range(1, 6)})
    build = ScriptedBuild(graph, pools={"Image": "image"}, limits={"image": PoolLimits(2)})
    await build.start()
    assert len(build.running) == 2
    for _ in range(3):
        await build.complete(build.running[0])
        assert len(build.running) == 2
    await build.complete(*build.running)
    assert len(build.started) == 5
    assert len(await build.finish()) == 5


async def test_a_job_whose_inputs_are_all_overridden_starts_before_their_producer_ends() -> None:
    blueprints = load_blueprints()
    moviefile = parse_moviefile(
        "inquiry: Tell me about volcanoes\nduration: 20\nimages_per_segment: 1\n",
        producer_names=[p.name for p in blueprints.producers],
    )
    build = ScriptedBuild(
        expand_graph(moviefile, blueprints),
        moviefile=moviefile,
        overrides={"SegmentNarration[1]": b"My own first segment."},
    )

    await build.start()

    assert set(build.running) == {
        "ScriptProducer",
        "AudioProducer[1]",
        "TextToImagePromptProducer[1]",
    }
    assert build.executor.call("AudioProducer[1]").inputs() == {
        "SegmentNarration[1]": b"My own first segment."
    }
    await build.complete("ScriptProducer")
    assert build.executor.call("AudioProducer[2]").inputs() == {
        "SegmentNarration[2]": b"SegmentNarration[2]"
    }
