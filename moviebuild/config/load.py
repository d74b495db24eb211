"""Loading a Moviefile from disk: YAML with positions, pydantic validation, and the checks that
need the whole file (segment numbers, provider names). Every problem becomes one ConfigError
naming ``file:line:column`` and what to do; no pydantic or YAML exception escapes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from moviebuild.config.enums import Role
from moviebuild.config.moviefile import ADAPTER_ROLES, KNOWN_ADAPTERS, Moviefile, NotPlainData
from moviebuild.config.yamlpos import PositionedDocument, load_positioned_yaml, mapping_or_error
from moviebuild.errors import ConfigError, MoviefileNotFound, did_you_mean

MOVIEFILE_NAME = "Moviefile.yaml"

_TYPE_WORDS = {
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "string_type": "text",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "list_type": "a list",
}


def find_moviefile(folder: Path) -> Path:
    """The Moviefile in ``folder``, or MoviefileNotFound with a hint to create one."""
    path = folder / MOVIEFILE_NAME
    if not path.is_file():
        raise MoviefileNotFound(
            f"no {MOVIEFILE_NAME} in {folder}",
            hint=f'create one with `moviebuild init {folder} --inquiry "..."`',
        )
    return path


def load_moviefile(
    path: Path, *, producer_names: Iterable[str] | Mapping[str, Role] = ()
) -> Moviefile:
    """Read and validate the Moviefile at ``path``.

    ``producer_names`` are the names a ``providers:`` entry may use besides the roles; given as
    a map to each producer's role, the adapter chosen for a producer is checked against it too.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise MoviefileNotFound(
            f"no {path.name} in {path.parent}",
            hint=f'create one with `moviebuild init {path.parent} --inquiry "..."`',
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    return parse_moviefile(text, path, producer_names=producer_names)


def parse_moviefile(
    text: str,
    path: Path | str = MOVIEFILE_NAME,
    *,
    producer_names: Iterable[str] | Mapping[str, Role] = (),
) -> Moviefile:
    """Validate Moviefile ``text``; ``path`` is only used in messages."""
    document = load_positioned_yaml(text, path)
    data = mapping_or_error(document, "a Moviefile")
    try:
        moviefile = Moviefile.model_validate(data)
    except ValidationError as exc:
        raise translate_validation_error(exc, document) from None
    _check_segments(moviefile, document)
    _check_provider_names(moviefile, document, set(producer_names))
    if isinstance(producer_names, Mapping):
        _check_adapter_roles(moviefile, document, producer_names)
    if moviefile.variants:
        from moviebuild.config.variants import check_variants

        check_variants(moviefile, document, translate_validation_error)
    return moviefile


def _check_adapter_roles(
    moviefile: Moviefile, document: PositionedDocument, producer_roles: Mapping[str, Role]
) -> None:
    for name, spec in moviefile.providers.items():
        role = producer_roles.get(name) or Role(name)
        served = ADAPTER_ROLES.get(spec.adapter, frozenset())
        if role not in served:
            able = sorted(a for a, roles in ADAPTER_ROLES.items() if role in roles and a != "fake")
            raise ConfigError(
                f"providers: {name}: {spec.adapter} cannot serve the {role.value} role",
                location=document.locate(("providers", name, "adapter")),
                hint=f"adapters for {role.value}: " + ", ".join(able),
            )


def _check_segments(moviefile: Moviefile, document: PositionedDocument) -> None:
    n = moviefile.segment_count
    for number in moviefile.segments:
        if not 1 <= number <= n:
            raise ConfigError(
                f"segments: there is no segment {number}; a {moviefile.duration} s movie has "
                f"segments 1 to {n}",
                location=document.locate(("segments", number)),
                hint="remove this entry or raise `duration`",
            )
    first = moviefile.segments.get(1)
    if first is not None and first.transition is not None and first.transition.kind != "cut":
        raise ConfigError(
            "segments: 1: transition: the first segment has no segment before it to come from",
            location=document.locate(("segments", 1, "transition")),
            hint="move the transition to the segment it leads into (2 or later)",
        )


def _check_provider_names(
    moviefile: Moviefile, document: PositionedDocument, producers: set[str]
) -> None:
    roles = {role.value for role in Role if role is not Role.INTERNAL}
    allowed = roles | producers
    for name in moviefile.providers:
        if name not in allowed:
            hint = did_you_mean(name, allowed) or (
                "use a role (" + ", ".join(sorted(roles)) + ") or a producer name"
            )
            raise ConfigError(
                f"providers: '{name}' is neither a role nor a producer",
                location=document.locate(("providers", name)),
                hint=hint,
            )
    for name in moviefile.limits:
        adapter = name.split(":", 1)[0]
        if adapter not in KNOWN_ADAPTERS:
            raise ConfigError(
                f"limits: unknown provider '{adapter}'",
                location=document.locate(("limits", name)),
                hint=did_you_mean(adapter, KNOWN_ADAPTERS)
                or "limits are keyed by provider (e.g. openai) or provider:role (openai:image)",
            )


def translate_validation_error(exc: ValidationError, document: PositionedDocument) -> ConfigError:
    """One ConfigError for the first problem, mentioning how many more there are."""
    errors = exc.errors()
    first = errors[0]
    loc = tuple(part for part in first["loc"] if part != "[key]")
    inner = first.get("ctx", {}).get("error")
    if isinstance(inner, NotPlainData):
        loc = (*loc, *inner.path)
    message, hint = _describe(first, loc)
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return ConfigError(message, location=document.locate(loc), hint=hint)


def _describe(error: Any, loc: tuple[Any, ...]) -> tuple[str, str | None]:
    kind = error["type"]
    where = ".".join(str(part) for part in loc) or "Moviefile"
    value = error.get("input")
    model = _model_at(loc[:-1])
    if kind == "extra_forbidden":
        key = str(loc[-1])
        fields = model.model_fields if model else {}
        return f"unknown key '{key}'", did_you_mean(key, fields) or (
            "known keys: " + ", ".join(fields) if fields else None
        )
    if kind == "missing":
        return f"'{where}' is required", f"add `{loc[-1]}:` to the Moviefile"
    if kind == "enum":
        choices = _enum_choices(loc)
        hint = did_you_mean(str(value), choices) if choices else None
        listed = ", ".join(choices)
        return f"{where}: unknown value '{value}'; choose one of: {listed}", hint
    if kind in _TYPE_WORDS:
        shown = f"'{value}'" if isinstance(value, str) else repr(value)
        if isinstance(value, datetime.date):
            return f"{where}: expected {_TYPE_WORDS[kind]}, got the date {value}", (
                f"quote it ('{value}') to make it text"
            )
        return f"{where}: expected {_TYPE_WORDS[kind]}, got {shown}", None
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return f"{where}: {value!r} is out of range ({error['msg'].lower()})", None
    if kind == "string_too_short":
        return f"{where} must not be empty", None
    if kind == "string_too_long":
        limit = error["ctx"]["max_length"]
        return (
            f"{where} is {len(value):,} characters long; the limit is {limit:,}",
            "shorten it",
        )
    if kind == "finite_number":
        return f"{where}: expected a finite number, got {value}", None
    if kind == "value_error":
        return f"{where}: {error['ctx']['error']}", None
    return f"{where}: {error['msg']}", None


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``loc`` (for did-you-mean on its keys)."""
    from moviebuild.config.moviefile import LimitSpec, ProviderSpec, SegmentSettings

    if not loc:
        return Moviefile
    nested: dict[str, type[BaseModel]] = {
        "segments": SegmentSettings,
        "providers": ProviderSpec,
        "limits": LimitSpec,
    }
    return nested.get(str(loc[0])) if len(loc) == 2 else None


def _enum_choices(loc: tuple[Any, ...]) -> list[str]:
    field = Moviefile.model_fields.get(str(loc[0])) if loc else None
    annotation = field.annotation if field else None
    for candidate in getattr(annotation, "__args__", (annotation,)):
        if isinstance(candidate, type) and issubclass(candidate, Enum):
            return [member.value for member in candidate]
    return []
