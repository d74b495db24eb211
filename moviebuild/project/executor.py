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
    from moviebuild.providers.requests import Adapter, CallContext

Assembler = Callable[[JobRequest], bytes]
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
    ) -> None:
        """``identities``: the jobs' identities as a plan already worked them out."""
        self.moviefile = moviefile
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
        variables = builder.variables(job, request.fields, request.inputs)
        return builder.outputs(job, text.answer(job.producer, variables))

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
            text_request = builder.request(
                job, fields, inputs, template=catalog.template_text(job.producer) or "",
                **options,
            )
            answer = await adapter.generate_json(text_request, context)
            return builder.outputs(job, answer)
        (artifact_id,) = job.produces
        media = media_request(job, fields, inputs, **options)
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
