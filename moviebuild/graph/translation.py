"""The translation step of a movie narrated in another language than its script is written in
(a language variant): one TranslationProducer job translates the title and every narration, and
the jobs that speak or show words (the narration audio, the timeline) take the translation.

Everything else keeps consuming the script as written, so image and video prompts, pictures and
music keep the keys they have in the base movie and are shared with it. It owns this rewiring
only; which movie translates is the Moviefile's ``translate_from``.
"""

from __future__ import annotations

from dataclasses import replace

from moviebuild.config.enums import Role
from moviebuild.graph.graph import Artifact, Graph, Job
from moviebuild.graph.ids import NodeId

TRANSLATOR = "TranslationProducer"
#: The producers that take the translated words instead of the script's.
_SPEAKERS = frozenset({"AudioProducer", "TimelineAssembler"})
#: Script artifacts and their translations.
_TRANSLATED = {"MovieTitle": "TranslatedTitle", "SegmentNarration": "TranslatedNarration"}
#: Producers writing in the script's language: they read ``translate_from`` as their language.
SOURCE_LANGUAGE_PRODUCERS = frozenset({"ScriptProducer"})


def add_translation(graph: Graph) -> Graph:
    """``graph`` with a TranslationProducer between the script and the speaking jobs."""
    job_id = NodeId(TRANSLATOR)
    sources = [a for a in graph.artifacts if a.name in _TRANSLATED]
    translated = {a: NodeId(_TRANSLATED[a.name], a.index) for a in sources}
    translator = Job(
        id=job_id,
        producer=TRANSLATOR,
        role=Role.TEXT,
        version=1,
        reads=("translate_from", "language", "audience", "duration"),
        consumes=tuple(sorted(sources)),
        produces=tuple(translated[a] for a in sorted(sources)),
        latency_s=20,
    )
    jobs = [translator]
    for job in graph.jobs.values():
        if job.producer in _SPEAKERS:
            job = replace(job, consumes=tuple(translated.get(a, a) for a in job.consumes))
        jobs.append(job)
    artifacts = [
        *graph.artifacts.values(),
        *(Artifact(t, "text", job_id) for t in translated.values()),
    ]
    return Graph(jobs, artifacts)
