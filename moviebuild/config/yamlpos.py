"""YAML documents with positions: the plain data plus where each key and value sits in the file.

Loading keeps a map from a path of keys (``("segments", 4, "use_video")``) to a 1-based line and
column, so that a validation error anywhere can name ``file:line:column``. Duplicate keys,
aliases (``*name``: a Moviefile has no use for them, and they make "billion laughs" documents) and
nesting deeper than ``MAX_DEPTH`` are errors. This module does not validate meaning; callers do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from moviebuild.errors import ConfigError, SourceLocation

try:
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

KeyPath = tuple[str | int, ...]

#: Deeper nesting than any Moviefile or blueprint needs; deeper documents are refused.
MAX_DEPTH = 32


@dataclass
class PositionedDocument:
    """A parsed YAML document and the positions of every key under it."""

    path: Path | str
    data: Any
    positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    constructor: Any = None

    def locate(self, key_path: KeyPath) -> SourceLocation:
        """Where ``key_path`` (or its nearest existing parent) is; the file alone if nowhere."""
        probe = tuple(key_path)
        while probe:
            if probe in self.positions:
                line, column = self.positions[probe]
                return SourceLocation(self.path, line, column)
            probe = probe[:-1]
        return SourceLocation(self.path, *self.positions.get((), (None, None)))


def load_positioned_yaml(text: str, path: Path | str) -> PositionedDocument:
    """Parse ``text`` (read from ``path``) keeping key positions; YAML errors are ConfigError."""
    try:
        if "*" in text:
            _refuse_aliases(text, path)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = (
            SourceLocation(path, mark.line + 1, mark.column + 1) if mark else SourceLocation(path)
        )
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(
            f"YAML syntax error: {problem}",
            location=where,
            hint="check indentation and quoting around this line",
        ) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"YAML error: {exc}", location=SourceLocation(path)) from exc
    document = PositionedDocument(path=path, data=None)
    document.constructor = yaml.SafeLoader("")
    if node is None:
        return document
    document.positions[()] = (node.start_mark.line + 1, node.start_mark.column + 1)
    document.data = _build(node, (), document, set())
    return document


def _refuse_aliases(text: str, path: Path | str) -> None:
    """A ConfigError at the first alias, found in the event stream (before anything is built)."""
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            raise ConfigError(
                f"aliases (*{event.anchor}) are not allowed here",
                location=SourceLocation(path, mark.line + 1, mark.column + 1)
                if mark
                else SourceLocation(path),
                hint="write the value out in full where it is needed",
            )


def _build(node: yaml.Node, key_path: KeyPath, document: PositionedDocument, seen: set[int]) -> Any:
    # The composer hands an alias back as the very node its anchor named: a second visit of a
    # node is an alias. Refusing it keeps the document a tree, the size of its text.
    if id(node) in seen:
        raise ConfigError(
            "aliases (*name) are not allowed here",
            location=_at(node, document),
            hint="write the value out in full where it is needed",
        )
    seen.add(id(node))
    if len(key_path) > MAX_DEPTH:
        raise ConfigError(
            f"the document nests deeper than {MAX_DEPTH} levels", location=_at(node, document)
        )
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, document)
            if not isinstance(key, str | int) or isinstance(key, bool):
                raise ConfigError(
                    f"keys must be names or numbers, not {key!r}",
                    location=_at(key_node, document),
                )
            if key in result:
                raise ConfigError(f"'{key}' is given twice", location=_at(key_node, document))
            child = (*key_path, key)
            document.positions[child] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            result[key] = _build(value_node, child, document, seen)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            child = (*key_path, index)
            document.positions[child] = (item.start_mark.line + 1, item.start_mark.column + 1)
            items.append(_build(item, child, document, seen))
        return items
    return _scalar(node, document)


def _scalar(node: yaml.Node, document: PositionedDocument) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise ConfigError("a key must be a plain value", location=_at(node, document))
    try:
        return document.constructor.construct_object(node)
    except yaml.constructor.ConstructorError as exc:
        raise ConfigError(
            f"cannot read value: {exc.problem}", location=_at(node, document)
        ) from exc
    except (ValueError, TypeError, LookupError, AttributeError, OverflowError) as exc:
        # Explicit tags on text that does not fit them (``!!int abc``, ``!!timestamp x``) and
        # numbers past Python's digit limit fail inside PyYAML's constructors.
        raise ConfigError(
            f"cannot read {_shown(node)} as {node.tag.replace('tag:yaml.org,2002:', '!!')}",
            location=_at(node, document),
            hint="quote the value to make it text, or remove its !!tag",
        ) from exc


def _shown(node: yaml.Node) -> str:
    text = str(node.value)
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _at(node: yaml.Node, document: PositionedDocument) -> SourceLocation:
    return SourceLocation(document.path, node.start_mark.line + 1, node.start_mark.column + 1)


def mapping_or_error(document: PositionedDocument, what: str) -> Mapping[str, Any]:
    """The document's top level as a mapping, or a ConfigError saying what was expected."""
    if not isinstance(document.data, dict):
        raise ConfigError(
            f"expected {what} (a mapping of keys to values) at the top level",
            location=document.locate(()),
        )
    return document.data
