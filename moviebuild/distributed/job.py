"""One provider call run by a worker for a build that runs elsewhere: the ``JobTicket`` a build
sends (plain JSON, as DBOS stores workflow arguments), ``run_ticket`` that makes the call, and the
``JobAnswer`` it sends back.

The call reads its inputs from the movie's store, writes its outputs there (the same blobs a local
build writes) and journals the provider's job id before waiting on it, so a call that runs again
after its worker died polls the recorded prediction instead of paying for a new one. It decides
nothing: the build decided to run it (with the key re-derived from its inputs' actual bytes).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from moviebuild.engine.interfaces import JobRequest
from moviebuild.errors import MovieBuildError, ProviderError
from moviebuild.graph import Graph, Job, NodeId, parse_node_id

if TYPE_CHECKING:
    from moviebuild.config.blueprint import BlueprintSet
    from moviebuild.config.moviefile import Moviefile
    from moviebuild.store import Store

TICKET_VERSION = 1

log = logging.getLogger("moviebuild.worker")


@dataclass(frozen=True)
class JobTicket:
    """A decided call. ``inputs`` maps artifact ids to a stored blob's digest, ``texts`` to the
    text of an input that is not in the store (a user's override). ``build_id``: the build that
    sent it (a call of a build that was cancelled or no longer holds its movie is not started).
    """

    store_url: str
    revision: int
    moviefile_json: str
    job: str
    key: str
    take: int
    fields: Mapping[str, Any]
    inputs: Mapping[str, str] = field(default_factory=dict)
    texts: Mapping[str, str] = field(default_factory=dict)
    build_id: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "version": TICKET_VERSION,
            "build": self.build_id,
            "store": self.store_url,
            "revision": self.revision,
            "moviefile": self.moviefile_json,
            "job": self.job,
            "key": self.key,
            "take": self.take,
            "fields": dict(self.fields),
            "inputs": dict(self.inputs),
            "texts": dict(self.texts),
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> JobTicket:
        if value.get("version") != TICKET_VERSION:
            raise ProviderError(
                f"a job ticket of version {value.get('version')!r} came from another release "
                f"(this worker reads version {TICKET_VERSION})",
                retryable=False,
                hint="run one application version per database; drain workers before upgrading",
            )
        return cls(
            store_url=value["store"],
            revision=int(value["revision"]),
            moviefile_json=value["moviefile"],
            job=value["job"],
            key=value["key"],
            take=int(value["take"]),
            fields=value["fields"],
            inputs=value.get("inputs", {}),
            texts=value.get("texts", {}),
            build_id=str(value.get("build") or ""),
        )


class CallNotStarted(ProviderError):
    """The call was refused before it reached the provider: its build was cancelled, or no
    longer holds its movie. Nothing was paid."""


@dataclass(frozen=True)
class JobAnswer:
    """What a call made (artifact id -> digest of the stored blob), or why it failed;
    ``not_started``: refused before any provider was called. ``usage``: what the provider
    reported each paid request billed (``Usage.to_json``), failed calls included, so the build
    that sent the call bills it as a local build would."""

    outputs: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None
    retryable: bool = False
    retry_after_s: float | None = None
    not_started: bool = False
    usage: tuple[Mapping[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        billed = {"usage": [dict(u) for u in self.usage]} if self.usage else {}
        if self.error is None:
            return {"outputs": dict(self.outputs), **billed}
        return {
            "error": self.error,
            "retryable": self.retryable,
            "retry_after_s": self.retry_after_s,
            "not_started": self.not_started,
            **billed,
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> JobAnswer:
        usage = tuple(u for u in value.get("usage") or () if isinstance(u, Mapping))
        if "error" in value:
            return cls(
                error=str(value["error"]),
                retryable=bool(value.get("retryable")),
                retry_after_s=value.get("retry_after_s"),
                not_started=bool(value.get("not_started")),
                usage=usage,
            )
        return cls(outputs=dict(value["outputs"]), usage=usage)

    def raise_error(self) -> None:
        """Raise the failure as the ProviderError the scheduler classifies (retry or not)."""
        if self.not_started:
            raise CallNotStarted(self.error or "not started", retryable=False)
        if self.error is not None:
            raise ProviderError(
                self.error, retryable=self.retryable, retry_after_s=self.retry_after_s
            )


def make_ticket(
    request: JobRequest, moviefile: Moviefile, store: Store, revision: int, build_id: str = ""
) -> JobTicket:
    """The ticket of ``request``; its inputs go by digest when the store holds their bytes."""
    from moviebuild.engine.keys import content_digest

    assert request.key is not None, "only decided calls (with a key) are dispatched"
    inputs: dict[str, str] = {}
    texts: dict[str, str] = {}
    for artifact_id, data in request.inputs.items():
        digest = content_digest(data)
        if store.blobs.has_blob(digest):
            inputs[str(artifact_id)] = digest
        else:
            texts[str(artifact_id)] = data.decode("utf-8")
    return JobTicket(
        store_url=store.url,
        revision=revision,
        moviefile_json=moviefile.model_dump_json(),
        job=str(request.job.id),
        key=request.key,
        take=request.take,
        fields=json.loads(json.dumps(dict(request.fields))),
        inputs=inputs,
        texts=texts,
        build_id=build_id,
    )


async def run_ticket(
    ticket: JobTicket,
    ready: Callable[[], Awaitable[None]] | None = None,
    guard: Callable[[], None] | None = None,
) -> JobAnswer:
    """Make the call of ``ticket``; provider failures come back as an answer, not an exception.
    ``ready`` is awaited just before the adapter is called, and ``guard`` around the journal
    line an adapter writes just before it sends a create; either may refuse by raising a
    MovieBuildError (nothing is paid then: the answer says ``not_started``)."""
    import asyncio

    from moviebuild.project.executor import ProviderExecutor
    from moviebuild.project.recorder import StoreRecorder
    from moviebuild.providers.jobs import announces_create
    from moviebuild.providers.requests import CallContext
    from moviebuild.store import open_store

    billed: list[Mapping[str, Any]] = []
    try:
        moviefile, graph = _movie(ticket.moviefile_json)
        store = await asyncio.to_thread(open_store, ticket.store_url, create=False)
        job = graph.jobs[parse_node_id(ticket.job)]
        recorder = StoreRecorder(store, ticket.revision, graph)
        recalled = await asyncio.to_thread(_recall, store, ticket.revision, ticket.key)

        def context_for(job: Job, key: str | None) -> CallContext:
            def remember(data: Mapping[str, Any]) -> None:
                sending = guard is not None and announces_create(data)
                if sending and guard is not None:
                    guard()
                recorder.remember_provider_job(job, ticket.key, data)
                if sending and guard is not None:
                    guard()  # the journal write may have been slow

            return CallContext(job_id=str(job.id), recall=recalled, remember=remember,
                               report=lambda usage: billed.append(usage.to_json()))

        executor = ProviderExecutor(moviefile, context_for=context_for)
        inputs = await asyncio.to_thread(_read_inputs, store, ticket)
        request = JobRequest(job, ticket.fields, inputs, ticket.take, ticket.key)
        if ready is not None:
            try:
                await ready()
            except MovieBuildError as exc:
                store.close()
                return JobAnswer(error=exc.message, not_started=True)
        try:
            produced = await executor.execute(request)
        except _Refused as exc:
            store.close()
            return JobAnswer(error=exc.message, not_started=True)
        outputs = await asyncio.to_thread(recorder.store_outputs, job, produced)
        store.close()
        return JobAnswer(outputs=outputs, usage=tuple(billed))
    except ProviderError as exc:
        return JobAnswer(
            error=exc.message, retryable=exc.retryable, retry_after_s=exc.retry_after_s,
            usage=tuple(billed),
        )
    except MovieBuildError as exc:
        return JobAnswer(error=exc.message, usage=tuple(billed))
    except Exception as exc:
        # Like the scheduler's per-job wrapper: the job fails with the reason, the worker's log
        # keeps the traceback, and the rest of the movie goes on.
        log.exception("job %s of %s failed unexpectedly", ticket.job, ticket.store_url)
        return JobAnswer(error=f"internal error: {type(exc).__name__}: {exc}")


class _Refused(MovieBuildError):
    """``guard`` refused a create before it was sent."""


def refuse(message: str) -> None:
    """What a ``guard`` raises to refuse a create before it is sent."""
    raise _Refused(message)


@functools.lru_cache(maxsize=32)
def _movie(moviefile_json: str) -> tuple[Moviefile, Graph]:
    """The Moviefile and graph of a ticket, cached: a worker sees the same movie many times."""
    from moviebuild.config.moviefile import Moviefile
    from moviebuild.graph.expand import expand_graph

    moviefile = Moviefile.model_validate_json(moviefile_json)
    return moviefile, expand_graph(moviefile, _blueprints())


@functools.lru_cache(maxsize=1)
def _blueprints() -> BlueprintSet:
    from moviebuild.config.blueprint import load_blueprints

    return load_blueprints()


def _recall(store: Store, revision: int, key: str) -> dict[str, Any]:
    """What an earlier run of this call journaled about its provider-side job, if anything:
    in the ticket's revision, else in the latest earlier one that has it (a recovered build
    writes a new revision, and its retry of a call started before must still find the job)."""
    from moviebuild.project.records import ProviderJobRecorded, read_events

    for rev in sorted((r for r in store.list_journals() if r <= revision), reverse=True):
        found: dict[str, Any] = {}
        events, _ = read_events(store, rev)
        for event in events:
            if isinstance(event, ProviderJobRecorded) and event.key == key:
                found = dict(event.data)
        if found:
            return found
    return {}


def _read_inputs(store: Store, ticket: JobTicket) -> dict[NodeId, bytes]:
    inputs = {parse_node_id(a): store.blobs.get_blob(d) for a, d in ticket.inputs.items()}
    inputs.update({parse_node_id(a): t.encode("utf-8") for a, t in ticket.texts.items()})
    return inputs
