"""Variants: named patches of a movie's settings (``variants:`` in the Moviefile).

It owns which settings a variant may change, checking each variant with the positions of its
keys (``file:line``), and the Moviefile a variant builds with: the base movie's with the patch
applied and, when the language changes, ``translate_from`` set to the base language, so the
script is written once and translated. Where a variant's files live is the project's business.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import yaml
from pydantic import ValidationError

from moviebuild.config.moviefile import Moviefile
from moviebuild.config.yamlpos import PositionedDocument
from moviebuild.errors import ConfigError, did_you_mean

#: What a variant may change: how the movie speaks and looks, never what it is about (that
#: would be another movie, sharing nothing).
VARIANT_SETTINGS = (
    "language",
    "voice",
    "emotion",
    "aspect_ratio",
    "size",
    "captions",
    "image_style",
    "music_prompt",
)

#: The languages each adapter speaks, where it speaks fewer than the Moviefile allows. The
#: offline voices and writer cover these (providers/offline/identity.py OFFLINE_LANGUAGES,
#: which a test keeps equal).
ADAPTER_LANGUAGES: dict[str, tuple[str, ...]] = {"offline": ("en", "es", "de", "fr", "ja")}


EXTENDS = "extends"
"""A variant's key naming another variant whose settings and edits it starts from."""

#: Turns a pydantic error into a ConfigError at its place in a document (config/load.py's).
Translator = Callable[[ValidationError, PositionedDocument], ConfigError]


def check_variants(
    moviefile: Moviefile, document: PositionedDocument, translate: Translator
) -> None:
    """Every variant of ``moviefile`` names known settings with valid values; ConfigError
    with ``file:line`` otherwise."""
    for name in moviefile.variants:
        variant_moviefile(moviefile, name, document, translate)


def variant_chain(
    variants: Mapping[str, Mapping[str, Any]],
    name: str,
    document: PositionedDocument | None = None,
) -> list[str]:
    """``name`` and the variants it extends, the farthest first (``[es, es-vertical]``)."""
    chain = [name]
    while EXTENDS in variants[chain[0]]:
        parent = variants[chain[0]][EXTENDS]
        where = document.locate(("variants", chain[0], EXTENDS)) if document else None
        if not isinstance(parent, str) or parent not in variants:
            raise ConfigError(
                f"variants: {chain[0]}: extends '{parent}', which is not a variant",
                location=where,
                hint=did_you_mean(str(parent), variants) or "name a variant of this Moviefile",
            )
        if parent in chain:
            raise ConfigError(
                f"variants: {chain[0]}: extends '{parent}', which extends it again",
                location=where,
                hint="a variant extends a variant that does not lead back to it",
            )
        chain.insert(0, parent)
    return chain


def variant_settings(variants: Mapping[str, Mapping[str, Any]], name: str) -> dict[str, Any]:
    """Variant ``name``'s settings, those of the variants it extends under them."""
    merged: dict[str, Any] = {}
    for link in variant_chain(variants, name):
        merged.update({k: v for k, v in variants[link].items() if k != EXTENDS})
    return merged


def variant_data(base: Mapping[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """The Moviefile data of a variant: ``base`` with ``settings`` on top, without variants."""
    data = {k: v for k, v in base.items() if k not in ("variants", "translate_from")}
    data.update(settings)
    return data


def variant_moviefile(
    base: Moviefile, name: str, document: PositionedDocument, translate: Translator
) -> Moviefile:
    """The Moviefile variant ``name`` builds with; ``document`` is the base Moviefile's.
    The variants it extends are checked first, so a problem is named where it is written."""
    chain = variant_chain(base.variants, name, document)
    data: dict[str, Any] = {}
    for link in chain:
        where = ("variants", link)
        for key in base.variants[link]:
            if key not in (*VARIANT_SETTINGS, EXTENDS):
                raise ConfigError(
                    f"variants: {link}: '{key}' is not a setting a variant can change",
                    location=document.locate((*where, key)),
                    hint=did_you_mean(str(key), VARIANT_SETTINGS)
                    or "a variant changes: " + ", ".join(VARIANT_SETTINGS),
                )
        data = variant_data(document.data, variant_settings(base.variants, link))
        try:
            moviefile = Moviefile.model_validate(data)
        except ValidationError as exc:
            shifted = PositionedDocument(
                document.path,
                data,
                {p[2:]: at for p, at in document.positions.items() if p[:2] == where and p[2:]},
            )
            error = translate(exc, shifted)
            raise ConfigError(
                f"variants: {link}: {error.detail}", location=error.location, hint=error.hint
            ) from None
    source = base.translate_from or base.language
    if moviefile.language != source:
        moviefile = moviefile.model_copy(update={"translate_from": source})
    _check_languages(moviefile, name, document)
    return moviefile


def variant_text(base_text: str, base: Moviefile, name: str) -> str:
    """The Moviefile text a variant's revisions record (comments are not kept)."""
    data = yaml.safe_load(base_text)
    merged = variant_data(data, variant_settings(base.variants, name))
    source = base.translate_from or base.language
    if str(merged.get("language", "en")) != source.value:
        merged["translate_from"] = source.value
    return yaml.safe_dump(merged, sort_keys=False, allow_unicode=True)


def _check_languages(moviefile: Moviefile, name: str, document: PositionedDocument) -> None:
    """A language the speech or text provider of the variant cannot speak is refused here,
    not after the script is paid for."""
    language = moviefile.language.value
    for role in ("speech", "text"):
        spec = moviefile.providers.get(role)
        adapter = spec.adapter if spec else "offline"
        spoken = ADAPTER_LANGUAGES.get(adapter)
        if spoken is not None and language not in spoken:
            raise ConfigError(
                f"variants: {name}: the {adapter} {role} provider does not speak "
                f"'{language}'",
                location=document.locate(("variants", name, "language")),
                hint=f"{adapter} speaks " + ", ".join(spoken)
                + f"; choose one, or a {role} provider that speaks '{language}'",
            )


def unknown_variant(name: str, base: Moviefile) -> ConfigError:
    """The error for a variant the Moviefile does not declare."""
    known = sorted(base.variants)
    return ConfigError(
        f"the Moviefile has no variant '{name}'",
        hint=did_you_mean(name, known)
        or ("its variants: " + ", ".join(known) if known else "declare it under `variants:`"),
    )
