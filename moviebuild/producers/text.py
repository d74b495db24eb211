"""The LLM producers' requests: per producer, the fields of its answer (each filling the artifacts
the blueprint says it produces, in their declared order) and the names its template gives its
inputs. Schemas, item counts, token budgets and the answer's artifacts all follow from that.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from moviebuild.errors import ProviderError
from moviebuild.graph import Job, NodeId
from moviebuild.graph.naming import kind_of

if TYPE_CHECKING:
    from moviebuild.providers.requests import TextRequest

_TEXT = {"type": "string", "minLength": 1}
#: Output tokens allowed for the answer besides its items: generous for the language, small
#: enough that a looping model stops within seconds.
_TOKENS_BASE = 300


def _object(**properties: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


@dataclass(frozen=True)
class AnswerField:
    """One field of an answer: a text, or (``many``) a list of texts, each an object's ``item``
    key when given. A list takes the produced artifacts the single fields leave."""

    name: str
    many: bool = False
    item: str | None = None

    def schema(self) -> dict[str, Any]:
        if not self.many:
            return dict(_TEXT)
        return {"type": "array", "items": _object(**{self.item: _TEXT}) if self.item else _TEXT}


@dataclass(frozen=True)
class TextBuilder:
    """An LLM producer. ``inputs`` names, in order, the texts it consumes as template variables
    (an optional input the blueprint marks ``?`` comes last, and a movie without it has no such
    variable);
    ``rest`` names the list variable taking the texts consumed after the named ones, with
    ``numbered_<rest>`` holding them one numbered line each (a translator reads every narration);
    ``count`` names the variable telling the model how many list items to write; ``exact``
    refuses an answer with more items than asked (else the extra ones are dropped)."""

    producer: str
    answer: tuple[AnswerField, ...]
    inputs: tuple[str, ...] = ()
    rest: str | None = None
    count: str | None = None
    tokens_per_item: int = 150
    exact: bool = True

    @property
    def schema(self) -> dict[str, Any]:
        """The answer's JSON schema without item counts (OpenAI structured outputs accept it)."""
        return _object(**{f.name: f.schema() for f in self.answer})

    def items(self, job: Job) -> int:
        """How many list items this job's answer holds: the produced artifacts the single
        fields leave (1 when the answer has no list)."""
        singles = sum(1 for f in self.answer if not f.many)
        return len(job.produces) - singles if any(f.many for f in self.answer) else 1

    def counted_schema(self, job: Job) -> dict[str, Any]:
        """The schema with this job's item counts in it, so the model is told them and a wrong
        count goes through the repair request."""
        schema = copy.deepcopy(self.schema)
        for f in self.answer:
            if f.many:
                n = self.items(job)
                schema["properties"][f.name].update(minItems=n, maxItems=n)
        return schema

    def token_budget(self, job: Job) -> int:
        """``max_tokens`` for the job, sized to the answer it must write."""
        return _TOKENS_BASE + self.items(job) * self.tokens_per_item

    def variables(
        self, job: Job, fields: Mapping[str, Any], inputs: Mapping[NodeId, bytes]
    ) -> dict[str, Any]:
        """The template variables: the Moviefile fields, the count, the segment, the inputs."""
        variables: dict[str, Any] = dict(fields)
        if self.count:
            variables[self.count] = self.items(job)
        if job.id.index:
            variables["segment"] = job.id.index[0]
        texts = [a for a in job.consumes if kind_of(a) == "text"]
        if len(texts) > len(self.inputs) and self.rest is None:
            raise ProviderError(
                f"{job.id}: the blueprint gives {len(texts)} texts and {job.producer} names "
                f"{len(self.inputs)}",
                retryable=False,
            )
        for name, artifact_id in zip(self.inputs, texts, strict=False):
            variables[name] = inputs[artifact_id].decode("utf-8")
        if self.rest is not None:
            rest = [inputs[a].decode("utf-8") for a in texts[len(self.inputs):]]
            variables[self.rest] = rest
            variables[f"numbered_{self.rest}"] = "\n".join(
                f"{number}. {text}" for number, text in enumerate(rest, start=1)
            )
        return variables

    def request(
        self, job: Job, fields: Mapping[str, Any], inputs: Mapping[NodeId, bytes], *,
        template: str, model: str | None, params: Mapping[str, Any], take: int,
    ) -> TextRequest:
        """The request of an LLM job: its template, variables, counted schema, token budget."""
        from moviebuild.providers.requests import TextRequest

        return TextRequest(
            producer=job.producer, template=template,
            variables=self.variables(job, fields, inputs), schema=self.counted_schema(job),
            model=model, params=params, take=take, max_output_tokens=self.token_budget(job),
        )

    def outputs(self, job: Job, answer: Mapping[str, Any]) -> dict[NodeId, bytes]:
        """Artifacts from a schema-valid answer; ProviderError when the shape is wrong."""
        try:
            return dict(zip(job.produces, self._texts(job, answer), strict=True))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ProviderError(
                f"{job.id}: the answer does not have the expected shape ({exc})",
                retryable=False,
                hint="run `moviebuild redo` on this job, or choose another model",
            ) from exc

    def _texts(self, job: Job, answer: Mapping[str, Any]) -> list[bytes]:
        texts = []
        for f in self.answer:
            if not f.many:
                texts.append(_encode(answer[f.name]))
                continue
            wanted, given = self.items(job), list(answer[f.name])
            if len(given) < wanted or (self.exact and len(given) != wanted):
                raise ValueError(f"{len(given)} {f.name} instead of {wanted}")
            texts.extend(_encode(item[f.item] if f.item else item) for item in given[:wanted])
        return texts


def _encode(value: Any) -> bytes:
    text = str(value).strip()
    if not text:
        raise ValueError("empty text")
    return text.encode("utf-8")


#: Every LLM producer of the blueprints, by name.
BUILDERS: dict[str, TextBuilder] = {
    builder.producer: builder
    for builder in (
        TextBuilder("ResearchProducer", (AnswerField("notes"),), tokens_per_item=900),
        TextBuilder(
            "ScriptProducer",
            (AnswerField("title"), AnswerField("summary"),
             AnswerField("segments", many=True, item="narration")),
            inputs=("research",),
            count="segments",
            tokens_per_item=200,
        ),
        TextBuilder(
            "TranslationProducer",
            (AnswerField("title"), AnswerField("segments", many=True, item="narration")),
            inputs=("title",),
            rest="narrations",
            count="segments",
            tokens_per_item=200,
        ),
        TextBuilder("TextToMusicPromptProducer", (AnswerField("music_prompt"),),
                    inputs=("summary",)),
        TextBuilder("TextToImagePromptProducer", (AnswerField("image_prompts", many=True),),
                    inputs=("narration",), exact=False),
        TextBuilder("TextToVideoPromptProducer", (AnswerField("direction_prompt"),),
                    inputs=("narration",)),
        TextBuilder(
            "ImageToVideoPromptProducer",
            (AnswerField("starting_image_prompt"), AnswerField("direction_prompt")),
            inputs=("narration",),
        ),
    )
}

#: The JSON schema of each LLM producer's answer, without item counts.
SCHEMAS: dict[str, dict[str, Any]] = {name: b.schema for name, b in BUILDERS.items()}


def text_builder(job: Job) -> TextBuilder:
    """The builder of an LLM job; ProviderError naming the producer when it has none."""
    builder = BUILDERS.get(job.producer)
    if builder is None:
        raise ProviderError(
            f"{job.id}: {job.producer} has the text role but no request builder",
            retryable=False,
            hint="add its answer's fields to moviebuild/producers/text.py",
        )
    return builder
