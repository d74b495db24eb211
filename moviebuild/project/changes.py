"""What a caller asks to change before a plan or a build: a Moviefile patch, overrides by id,
media files by id, and ids to redo. A patch is validated exactly like the Moviefile (the same
messages) and becomes part of the movie's configuration; overrides and files become pinned slots,
as if the user had edited the prompt or put the file under ``prompts/``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moviebuild.config.numbers import ascii_number
from moviebuild.errors import ConfigError


@dataclass(frozen=True)
class Changes:
    """``config``: a Moviefile patch (``{"voice": "x", "segments": {4: {"use_video": True}}}``;
    ``None`` removes a key). ``overrides``: artifact id -> text, or ``None`` to hand an edited
    slot back to its generator. ``redo``: job or artifact ids that get a new take. ``files``:
    media artifact id (``SegmentImage[3][2]``) -> your own file (a path, or its bytes), or
    ``None`` to hand the slot back to its generator. ``variant``: which variant they are for."""

    config: Mapping[str, Any] = field(default_factory=dict)
    overrides: Mapping[str, str | None] = field(default_factory=dict)
    redo: Sequence[str] = ()
    files: Mapping[str, Path | str | bytes | None] = field(default_factory=dict)
    variant: str | None = None
    """The variant these changes are for (``variants:`` in the Moviefile); None: the base."""

    def __bool__(self) -> bool:
        return bool(self.config or self.overrides or self.redo or self.files)

    def merged(self, other: Changes | None) -> Changes:
        """These changes, then ``other``'s on top."""
        if other is None:
            return self
        return Changes(
            config=merge_patch(dict(self.config), other.config),
            overrides={**self.overrides, **other.overrides},
            redo=[*self.redo, *other.redo],
            files={**self.files, **other.files},
            variant=other.variant or self.variant,
        )


def merge_patch(data: dict[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with ``patch`` merged in: mappings merge key by key, ``None`` deletes, anything
    else replaces. Integer-like keys of ``segments`` match whether written as 4 or "4"."""
    merged = dict(data)
    for key, value in patch.items():
        key = _normal_key(key, merged)
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_patch(dict(merged[key]), value)
        elif isinstance(value, Mapping):
            merged[key] = merge_patch({}, value)
        else:
            merged[key] = value
    return merged


def _normal_key(key: Any, existing: Mapping[Any, Any]) -> Any:
    number = ascii_number(key, max_digits=9) if isinstance(key, str) else None
    if number is not None and (number in existing or key not in existing):
        return number
    return key


def patch_moviefile_text(text: str, patch: Mapping[str, Any]) -> str:
    """The Moviefile text with ``patch`` applied. Comments are not kept: the result is the
    merged configuration written out as YAML."""
    import yaml

    if not isinstance(patch, Mapping):
        raise ConfigError("a Moviefile patch must be a mapping of keys to values")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"the Moviefile cannot be patched: it is not valid YAML ({exc})",
            hint="fix the Moviefile first",
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError("the Moviefile cannot be patched: it is not a mapping")
    merged = merge_patch(data, patch)
    try:
        return str(yaml.safe_dump(merged, sort_keys=False, allow_unicode=True))
    except yaml.YAMLError as exc:
        raise ConfigError(f"the Moviefile patch holds a value YAML cannot write: {exc}") from exc
