"""Job keys: xxh3-128 over a canonical encoding of everything that determines a job's output.

A ``Fingerprint`` lists those things (producer and version, adapter, model and parameters,
the endpoint a network adapter calls, the implementation the adapter actually uses, prompt
template, the Moviefile fields read, the content digests of the inputs, the take and the
index). Concurrency, paths and timestamps never enter it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import xxhash


def canonical_json(value: Any) -> bytes:
    """The one canonical encoding: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def content_digest(data: bytes) -> str:
    """The content hash of an artifact's bytes (the same digest names the blob in the store)."""
    return str(xxhash.xxh3_128_hexdigest(data))


@dataclass(frozen=True)
class JobIdentity:
    """How a job is carried out: the provider side of its key, and where its calls queue."""

    adapter: str
    model: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    template_digest: str | None = None
    pool: str = "internal"
    implementation: Mapping[str, str] = field(default_factory=dict)
    """What actually makes the output on this machine (an offline generator's version, the
    speech engine and voice model), named for people: ``{"speech engine": "piper"}``."""
    endpoint: str | None = None
    """The base URL a network adapter calls (``https://api.openai.com/v1``): another server
    answering to the same model name is another model."""


@dataclass(frozen=True)
class Fingerprint:
    """Everything a job's output depends on; ``key`` hashes it."""

    producer: str
    version: int
    index: tuple[int, ...]
    identity: JobIdentity
    fields: Mapping[str, Any]
    inputs: Mapping[str, str]
    take: int = 0

    def to_json(self) -> dict[str, Any]:
        encoded: dict[str, Any] = {
            "producer": self.producer,
            "version": self.version,
            "index": list(self.index),
            "adapter": self.identity.adapter,
            "model": self.identity.model,
            "params": dict(self.identity.params),
            "template": self.identity.template_digest,
            "fields": dict(self.fields),
            "inputs": dict(self.inputs),
            "take": self.take,
        }
        # Absent rather than empty, so keys of jobs without an implementation stay as they were.
        if self.identity.implementation:
            encoded["implementation"] = dict(self.identity.implementation)
        if self.identity.endpoint:
            encoded["endpoint"] = self.identity.endpoint
        return encoded

    @property
    def key(self) -> str:
        return str(xxhash.xxh3_128_hexdigest(canonical_json(self.to_json())))
