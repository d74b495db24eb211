"""Number options of the command line that read only ASCII digits: ``click``'s own types call
``int``/``float``, which read full-width and Arabic-Indic digits as numbers (``--port ８０８０``);
these refuse them with a usage error, like any other malformed number. Ranges as ``click``'s."""

from __future__ import annotations

from typing import Any

import click


def _ascii_only(param_type: click.IntRange | click.FloatRange, value: Any,
                param: click.Parameter | None, ctx: click.Context | None) -> None:
    if isinstance(value, str) and not value.isascii():
        param_type.fail(f"{value!r} is not a number (write it with the digits 0-9)", param, ctx)


class AsciiIntRange(click.IntRange):
    """``click.IntRange`` (or a plain int with no bounds) over ASCII digits only."""

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        _ascii_only(self, value, param, ctx)
        return super().convert(value, param, ctx)

    def _describe_range(self) -> str:
        unbounded = self.min is None and self.max is None
        return "" if unbounded else super()._describe_range()


class AsciiFloatRange(click.FloatRange):
    """``click.FloatRange`` (or a plain float with no bounds) over ASCII digits only."""

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        _ascii_only(self, value, param, ctx)
        return super().convert(value, param, ctx)

    def _describe_range(self) -> str:
        unbounded = self.min is None and self.max is None
        return "" if unbounded else super()._describe_range()


ASCII_INT = AsciiIntRange()
ASCII_INT.name = "integer"  # no bounds: shown as click shows a plain int
ASCII_FLOAT = AsciiFloatRange()
ASCII_FLOAT.name = "float"
