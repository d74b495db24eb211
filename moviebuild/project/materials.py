"""What a user brings besides the Moviefile: research sources and continuity reference sheets.

Reads the Moviefile's ``sources:`` (files under the movie folder, or URLs) and ``references:``
(named sheets with images), checks them, and says which jobs use which: that is their part of the
job keys (engine ``Attachments``) and of the requests (the executor asks ``references_for`` and
``source_list``). Turning a document into text is sources_text.py's work; drawing a reference is
the adapters'. A problem names the file and the Moviefile line that brings it in.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moviebuild.config.enums import Role
from moviebuild.config.moviefile import Moviefile
from moviebuild.config.yamlpos import PositionedDocument, load_positioned_yaml
from moviebuild.engine.keys import canonical_json, content_digest
from moviebuild.errors import ConfigError, SourceLocation
from moviebuild.graph import Job, NodeId
from moviebuild.project.sources_text import MAX_SOURCE_BYTES, extract_text, fetch_url

#: Producers that write prompts for image and video jobs: they see every sheet's description.
PROMPT_PRODUCERS = frozenset(
    {"TextToImagePromptProducer", "TextToVideoPromptProducer", "ImageToVideoPromptProducer"}
)
RESEARCH_PRODUCER = "ResearchProducer"
MAX_REFERENCE_IMAGE_BYTES = 20_000_000
#: Adapters whose image and video requests carry reference pictures; the others get the
#: sheets' descriptions in the prompt (docs/sources.md says which models could take pictures).
TAKES_REFERENCE_IMAGES = frozenset({"offline", "fake"})


@dataclass(frozen=True)
class Source:
    """One source as the research reads it: ``number`` is its citation ``[n]``."""

    number: int
    title: str
    file: str | None
    url: str | None
    text: str
    digest: str

    @property
    def place(self) -> str:
        return self.file or self.url or ""


@dataclass(frozen=True)
class Reference:
    """A continuity sheet with its images' bytes; ``digest`` covers description and images."""

    name: str
    description: str
    applies_to: str
    images: tuple[tuple[str, bytes], ...]
    digest: str
    description_digest: str

    def mentioned_in(self, prompt: str) -> bool:
        """True when ``prompt`` names this sheet as a word, in any case."""
        pattern = r"(?<!\w)" + re.escape(self.name) + r"(?!\w)"
        return re.search(pattern, prompt, re.IGNORECASE) is not None


@dataclass(frozen=True)
class Materials:
    """The sources and references of one snapshot; implements the engine's ``Attachments``."""

    sources: tuple[Source, ...] = ()
    references: tuple[Reference, ...] = field(default_factory=tuple)

    def digests(self, job: Job, read: Callable[[NodeId], bytes]) -> Mapping[str, str]:
        if job.producer == RESEARCH_PRODUCER:
            return {f"source:{s.place}": s.digest for s in self.sources}
        if job.producer in PROMPT_PRODUCERS:
            return {f"reference:{r.name}": r.description_digest for r in self.references}
        return {f"reference:{r.name}": r.digest for r in self.references_for(job, read)}

    def references_for(self, job: Job, read: Callable[[NodeId], bytes]) -> list[Reference]:
        """The sheets an image or video job uses: those its prompt mentions, and ``all`` ones."""
        if job.role not in (Role.IMAGE, Role.VIDEO) or not self.references:
            return []
        prompts = [a for a in job.consumes if a.name.endswith("Prompt")]
        text = " ".join(read(a).decode("utf-8", "replace") for a in prompts)
        return [r for r in self.references if r.applies_to == "all" or r.mentioned_in(text)]

    def source_list(self) -> str:
        """The sources as the research template and the offline writer read them."""
        return "\n\n".join(
            f"[{s.number}] {s.title} ({s.place})\n{s.text}" for s in self.sources
        )

    def sources_section(self) -> str:
        """The ``## Sources`` list ending the research notes (timeline/sources.py reads it)."""
        lines = [f"[{s.number}] {s.title} - {s.place}" for s in self.sources]
        return "## Sources\n\n" + "\n".join(lines)

    def reference_list(self) -> str:
        """The sheets' names and descriptions, for the prompt producers."""
        return "\n".join(f"- {r.name}: {r.description}" for r in self.references)


def sheets_used(job: Job, adapter: str, key_inputs: Mapping[str, str] | None) -> dict[str, Any]:
    """``references`` (names) and ``references_as`` (pictures or description) of an image or
    video job, from the inputs of its key; empty when it uses none or its key is not known."""
    prefix = "reference:"
    names = sorted(k.removeprefix(prefix) for k in key_inputs or {} if k.startswith(prefix))
    if job.role not in (Role.IMAGE, Role.VIDEO) or not names:
        return {}
    return {
        "references": names,
        "references_as": "pictures" if adapter in TAKES_REFERENCE_IMAGES else "description",
    }


def read_materials(folder: Path, moviefile: Moviefile, text: str, path: Path | str) -> Materials:
    """Read and check every source and reference image the Moviefile names."""
    if not moviefile.sources and not moviefile.references:
        return Materials()
    document = load_positioned_yaml(text, path)
    sources = tuple(
        _read_source(folder, document, number, spec.file, spec.url, spec.title)
        for number, spec in enumerate(moviefile.sources, start=1)
    )
    references = []
    for position, spec in enumerate(moviefile.references):
        images = tuple(
            (name, _read_image(folder, document, ("references", position, "images", k), name))
            for k, name in enumerate(spec.images)
        )
        described = {"name": spec.name, "description": spec.description}
        references.append(
            Reference(
                name=spec.name,
                description=spec.description,
                applies_to=spec.applies_to,
                images=images,
                digest=content_digest(
                    canonical_json({**described, "images": [content_digest(b) for _, b in images]})
                ),
                description_digest=content_digest(canonical_json(described)),
            )
        )
    return Materials(sources, tuple(references))


def _read_source(
    folder: Path,
    document: PositionedDocument,
    number: int,
    file: str | None,
    url: str | None,
    title: str | None,
) -> Source:
    where = document.locate(("sources", number - 1))
    if url is not None:
        data, kind = fetch_url(url, where)
        name = url
    else:
        assert file is not None
        data = _read_file(folder, file, where, MAX_SOURCE_BYTES, "source")
        kind, name = Path(file).suffix.lower(), file
    found_title, body = extract_text(data, kind, name, where)
    return Source(
        number=number,
        title=title or found_title or Path(name).name,
        file=file,
        url=url,
        text=body,
        # The place is part of the digest: the same bytes at another URL are another source.
        digest=content_digest(canonical_json({"place": name, "bytes": content_digest(data)})),
    )


def _read_file(folder: Path, name: str, where: SourceLocation, limit: int, what: str) -> bytes:
    root = folder.resolve()
    path = (folder / name).resolve()
    if root not in path.parents:
        raise ConfigError(
            f"{what} file {name} is outside the movie folder",
            location=where,
            hint="put the file in the movie folder and name it relative to it",
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise ConfigError(
            f"{what} file {name} does not exist",
            location=where,
            hint=f"put {name} in {folder}, or fix the name",
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"cannot read {what} file {name}: {exc.strerror}", location=where
        ) from None
    if len(data) > limit:
        raise ConfigError(
            f"{what} file {name} is larger than {limit // 1_000_000} MB",
            location=where,
            hint="give a shorter excerpt of it",
        )
    return data


def _read_image(
    folder: Path, document: PositionedDocument, key: tuple[str | int, ...], name: str
) -> bytes:
    from PIL import Image, UnidentifiedImageError

    where = document.locate(key)
    data = _read_file(folder, name, where, MAX_REFERENCE_IMAGE_BYTES, "reference image")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ConfigError(
            f"reference image {name} is not an image ({type(exc).__name__})",
            location=where,
            hint="give a PNG, JPEG or WebP picture",
        ) from None
    return data
