"""The JobExecutor the engine is handed for a real movie: producers mapped onto adapters by role.

It resolves each job's provider from the Moviefile, creates adapters lazily (a dry run loads no
adapter code), predicts offline text jobs for dry runs, and runs the internal assembler.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from moviebuild.config.enums import Role
from moviebuild.config.moviefile import Moviefile
from moviebuild.engine.interfaces import JobRequest
from moviebuild.engine.keys import JobIdentity
from moviebuild.errors import ProviderError
from moviebuild.graph import Job, NodeId
from moviebuild.producers import media_request, text_builder
from moviebuild.providers import catalog

if TYPE_CHECKING:
    from moviebuild.project.materials import Materials
    from moviebuild.providers.requests import Adapter, CallContext, ImageRequest, VideoRequest

Assembler = Callable[[JobRequest], bytes]

#: What an LLM job is told about material from outside the graph, after its own template.
_RESEARCH_ADDENDUM = (
    "\n\nResearch notes (use their facts; where a segment uses one, end the sentence with its "
    "citation, like [2]):\n{research}\n"
)
_REFERENCES_ADDENDUM = (
    "\n\nContinuity references: when a prompt shows one of these, name it exactly as written "
    "and keep its look:\n{references}\n"
)
CallContextFactory = Callable[[Job, "str | None"], "CallContext"]


class ProviderExecutor:
    """Runs jobs through adapters; one instance per build."""

    def __init__(
        self,
        moviefile: Moviefile,
        *,
        assembler: Assembler | None = None,
        adapters: Mapping[str, Adapter] | None = None,
        context_for: CallContextFactory | None = None,
        identities: Mapping[NodeId, JobIdentity] | None = None,
        materials: Materials | None = None,
    ) -> None:
        """``identities``: the jobs' identities as a plan already worked them out;
        ``materials``: the movie's sources and reference sheets."""
        from moviebuild.project.materials import Materials

        self.moviefile = moviefile
        self.materials = materials or Materials()
        self._assembler = assembler
        self._adapters: dict[str, Adapter] = dict(adapters or {})
        self._identities: dict[NodeId, JobIdentity] = dict(identities or {})
        self._context_for = context_for or _plain_context

    def identity(self, job: Job) -> JobIdentity:
        found = self._identities.get(job.id)
        if found is None:
            if job.role is Role.INTERNAL:
                from moviebuild.timeline.versions import ASSEMBLY_VERSION

                found = JobIdentity(
                    adapter="internal",
                    pool="internal",
                    implementation={"assembly version": str(ASSEMBLY_VERSION)},
                )
            else:
                spec = catalog.provider_spec(self.moviefile, job)
                found = JobIdentity(
                    adapter=spec.adapter,
                    model=spec.model or catalog.DEFAULT_MODELS.get((spec.adapter, job.role)),
                    params=dict(spec.params),
                    template_digest=catalog.template_digest(job.producer)
                    if job.role is Role.TEXT
                    else None,
                    pool=catalog.pool_name(self.moviefile, spec.adapter, job.role),
                    implementation=self._implementation(spec.adapter, job.role),
                    endpoint=catalog.endpoint_of(spec.adapter),
                )
            self._identities[job.id] = found
        return found

    def _implementation(self, adapter: str, role: Role) -> dict[str, str]:
        if adapter != "offline":
            return {}
        from moviebuild.providers.offline.identity import offline_implementation

        return offline_implementation(
            role, language=str(self.moviefile.language), voice=str(self.moviefile.voice)
        )

    def can_predict(self, job: Job) -> bool:
        return job.role is Role.TEXT and self.identity(job).adapter == "offline"

    def predict(self, request: JobRequest) -> dict[NodeId, bytes]:
        from moviebuild.providers.offline import text

        job = request.job
        builder = text_builder(job)
        variables = {
            **builder.variables(job, request.fields, request.inputs),
            **self._extra_variables(job),
        }
        return self._text_outputs(job, text.answer(job.producer, variables))

    def _extra_variables(self, job: Job) -> dict[str, Any]:
        from moviebuild.project.materials import PROMPT_PRODUCERS, RESEARCH_PRODUCER

        if job.producer == RESEARCH_PRODUCER:
            return {"sources": self.materials.source_list()}
        if job.producer in PROMPT_PRODUCERS and self.materials.references:
            return {"references": self.materials.reference_list()}
        return {}

    def _template(self, job: Job, variables: Mapping[str, Any]) -> str:
        template = catalog.template_text(job.producer) or ""
        if job.producer == "ScriptProducer" and "research" in variables:
            template += _RESEARCH_ADDENDUM
        if "references" in variables:
            template += _REFERENCES_ADDENDUM
        return template

    def _text_outputs(self, job: Job, answer: Mapping[str, Any]) -> dict[NodeId, bytes]:
        outputs = text_builder(job).outputs(job, answer)
        notes = NodeId("ResearchNotes")
        if notes in outputs:
            # The list of sources is ours, not the model's: citations always resolve.
            outputs[notes] += ("\n\n" + self.materials.sources_section()).encode("utf-8")
        return outputs

    def uses_materials(self, job: Job, inputs: Mapping[NodeId, bytes]) -> bool:
        """True when ``job`` reads the movie's sources or reference sheets, which only this
        process has read (a worker elsewhere has the Moviefile, not the movie's folder)."""
        return bool(self._extra_variables(job)) or bool(
            self.materials.references_for(job, lambda a: inputs[a])
        )

    def with_references(
        self, job: Job, media: ImageRequest | VideoRequest, inputs: Mapping[NodeId, bytes]
    ) -> ImageRequest | VideoRequest:
        """``media`` with the reference sheets its prompt uses: pictures for an adapter that
        takes them, else their descriptions added to the prompt."""
        import dataclasses

        from moviebuild.providers.requests import ReferenceImages

        used = self.materials.references_for(job, lambda a: inputs[a])
        if not used:
            return media
        from moviebuild.project.materials import TAKES_REFERENCE_IMAGES

        if self.identity(job).adapter in TAKES_REFERENCE_IMAGES:
            sheets = tuple(
                ReferenceImages(r.name, r.description, tuple(data for _, data in r.images))
                for r in used
            )
            return dataclasses.replace(media, references=sheets)
        described = " ".join(f"{r.name}: {r.description}" for r in used)
        return dataclasses.replace(media, prompt=f"{media.prompt} Keep consistent - {described}")

    def report_usage(self, job: Job, usages: Iterable[Mapping[str, Any]]) -> None:
        """Report what another process's call of ``job`` billed (``Usage.to_json`` each), as
        the adapter would have had the call run here."""
        from moviebuild.providers.usage import Usage

        report = self._context_for(job, None).report
        for value in usages:
            usage = Usage.from_json(value)
            if usage is not None:
                report(usage)

    def adapter(self, name: str) -> Adapter:
        if name not in self._adapters:
            from moviebuild.providers.registry import make_adapter

            self._adapters[name] = make_adapter(name)
        return self._adapters[name]

    async def execute(self, request: JobRequest) -> dict[NodeId, bytes]:
        import asyncio
        from dataclasses import replace

        from moviebuild.providers import requests

        job = request.job
        if job.role is Role.INTERNAL:
            if self._assembler is None:
                raise ProviderError(f"{job.id}: no assembler is configured", retryable=False)
            return {job.produces[0]: await asyncio.to_thread(self._assembler, request)}
        spec = catalog.provider_spec(self.moviefile, job)
        if spec.simulate_latency == "medians":
            await asyncio.sleep(job.latency_s * float(spec.time_scale))
        identity = self.identity(job)
        adapter = self.adapter(identity.adapter)
        context = self._context_for(job, request.key)
        options: dict[str, Any] = {
            "model": identity.model,
            "params": identity.params,
            "take": request.take,
        }
        fields, inputs = request.fields, request.inputs
        if job.role is Role.TEXT:
            builder = text_builder(job)
            extra = self._extra_variables(job)
            text_request = builder.request(job, fields, inputs, template="", **options)
            variables = {**text_request.variables, **extra}
            text_request = replace(
                text_request, variables=variables, template=self._template(job, variables)
            )
            answer = await adapter.generate_json(text_request, context)
            return self._text_outputs(job, answer)
        (artifact_id,) = job.produces
        media = media_request(job, fields, inputs, **options)
        if isinstance(media, requests.ImageRequest | requests.VideoRequest):
            media = self.with_references(job, media, inputs)
        if isinstance(media, requests.SpeechRequest):
            data = await adapter.synthesize_speech(media, context)
        elif isinstance(media, requests.MusicRequest):
            data = await adapter.generate_music(media, context)
        elif isinstance(media, requests.ImageRequest):
            data = await adapter.generate_image(media, context)
        else:
            data = await adapter.generate_video(media, context)
        return {artifact_id: data}


def _plain_context(job: Job, key: str | None) -> CallContext:
    from moviebuild.providers.requests import CallContext

    return CallContext(job_id=str(job.id))
