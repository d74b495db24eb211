"""Changing each Moviefile field marks exactly the jobs that read it, with the matching reason;
everything else is reused or waits on a changed upstream."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from moviebuild.engine.decide import Action
from moviebuild.engine.reasons import ReasonKind
from moviebuild.graph import NodeId
from moviebuild.project.movie import Movie
from tests.conftest import MovieFactory, run_build, write_moviefile

BASE: dict[str, Any] = {"duration": 60, "images_per_segment": 2}
CHANGES = [
    ("inquiry", "Tell me about volcanoes"),
    ("duration", 70),
    ("audience", "kids"),
    ("language", "fr"),
    ("voice", "someone-else"),
    ("emotion", "calm"),
    ("images_per_segment", 3),
    ("image_style", "anime"),
    ("size", "1080p"),
    ("aspect_ratio", "9:16"),
    ("assembly", "fixed"),
    ("captions", {"position": "top"}),
    ("transition", "dissolve"),
    ("title_card", True),
    ("end_card", True),
]


def test_every_readable_field_is_covered() -> None:
    from moviebuild.config.moviefile import READABLE_FIELDS

    assert {name for name, _ in CHANGES} == set(READABLE_FIELDS)


def test_empty_store_plans_every_job_as_new(movie_folder: MovieFactory) -> None:
    plan = Movie.open(movie_folder(**BASE)).make_plan()
    assert {p.reason.kind for p in plan.jobs if p.reason} == {ReasonKind.NEW}
    assert len(plan.to_run()) == len(plan.jobs)


@pytest.mark.parametrize(("field", "value"), CHANGES, ids=[c[0] for c in CHANGES])
def test_changing_a_field_marks_exactly_its_readers(
    movie_folder: MovieFactory, field: str, value: Any
) -> None:
    folder = movie_folder(**BASE)
    assert run_build(folder).complete
    assert not Movie.open(folder).make_plan().to_run()
    text = (folder / "Moviefile.yaml").read_text()
    write_moviefile(folder, **{**_fields(text), field: value})
    movie = Movie.open(folder)
    plan = movie.make_plan()
    readers = {j.id for j in movie.graph.jobs.values() if field in j.reads}
    changed = {
        p.job.id
        for p in plan.jobs
        if p.reason and p.reason.kind is ReasonKind.INPUT_CHANGED and p.reason.subject == field
    }
    previous = Movie.open(folder).results()
    existed = {j for j in readers if previous.previous_record(j) is not None}
    assert changed == existed
    assert changed, f"some job reads {field}"
    downstream = _downstream(movie, changed)
    for planned in plan.to_run():
        assert planned.job.id in downstream or planned.reason.kind is ReasonKind.NEW, planned


def _fields(text: str) -> dict[str, Any]:
    import yaml

    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _downstream(movie: Movie, start: set[NodeId]) -> set[NodeId]:
    seen = set(start)
    frontier = list(start)
    while frontier:
        for dependent in movie.graph.dependents(frontier.pop()):
            if dependent not in seen:
                seen.add(dependent)
                frontier.append(dependent)
    return seen


def test_reverting_a_change_plans_nothing(movie_folder: MovieFactory) -> None:
    folder = movie_folder(**BASE)
    run_build(folder)
    text = (folder / "Moviefile.yaml").read_text()
    write_moviefile(folder, **{**_fields(text), "voice": "other"})
    assert run_build(folder).complete
    write_moviefile(folder, **_fields(text))
    assert Movie.open(folder).make_plan().to_run() == []


def test_reused_jobs_carry_no_reason(movie_folder: MovieFactory) -> None:
    folder = movie_folder(**BASE)
    run_build(folder)
    plan = Movie.open(folder).make_plan()
    assert all(p.action is Action.REUSE and p.reason is None for p in plan.jobs)


def test_model_change_is_model_changed(movie_folder: MovieFactory, tmp_path: Path) -> None:
    folder = movie_folder(**BASE)
    run_build(folder)
    providers = {
        "speech": {"adapter": "fake", "model": "v2"},
        "music": {"adapter": "fake"},
        "image": {"adapter": "fake"},
        "video": {"adapter": "fake"},
    }
    write_moviefile(folder, **{**BASE, "providers": providers})
    plan = Movie.open(folder).make_plan()
    kinds = {str(p.job.id): p.reason.kind for p in plan.to_run() if p.reason}
    assert kinds["AudioProducer[1]"] is ReasonKind.MODEL_CHANGED
    assert {k for k, v in kinds.items() if v is ReasonKind.MODEL_CHANGED} == {
        f"AudioProducer[{i}]" for i in range(1, 7)
    }
