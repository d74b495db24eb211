"""Reading request bodies and answering with problems: JSON parsed and validated against the
pydantic models, a Moviefile sent as JSON checked exactly like the CLI checks the file (the same
messages, with a JSON path in place of ``file:line``), and every error as a ``Problem``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from moviebuild.config.numbers import ascii_number
from moviebuild.config.yamlpos import MAX_DEPTH
from moviebuild.errors import ConfigError, MovieBuildError
from moviebuild.server.models import Problem

if TYPE_CHECKING:
    from moviebuild.config.moviefile import Moviefile


M = TypeVar("M", bound=BaseModel)
MAX_BODY_KEY: web.AppKey[int] = web.AppKey("max_body_bytes", int)

#: How deeply a request body may nest: a Moviefile's own limit, plus the body's envelope
#: (``$.moviefile``, ``$.config``) and room for the loader to name the offending key itself.
MAX_BODY_DEPTH = MAX_DEPTH + 4

#: Keys a server movie may not set: its store is the server's to place.
SERVER_OWNED_KEYS = ("store",)


def problem(
    status: int, kind: str, message: str, *, hint: str | None = None, where: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.HTTPException:
    """An aiohttp HTTP exception whose body is a ``Problem``."""
    body = Problem(error=kind, message=message, hint=hint, where=where).model_dump_json(
        exclude_none=True
    )
    exc = web.HTTPException(text=body, content_type="application/json", headers=headers)
    exc.set_status(status)
    return exc


def not_found(what: str = "no such movie") -> web.HTTPException:
    return problem(404, "not-found", what)


def answer(model: BaseModel, status: int = 200) -> web.Response:
    return web.Response(
        text=model.model_dump_json(by_alias=True), status=status, content_type="application/json"
    )


async def read_body(request: web.Request, model: type[M]) -> M:
    """The request's JSON body as ``model``; 400/413/422 problems otherwise."""
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise problem(
            413, "too-large", "the request body is too large",
            hint=f"send at most {request.app[MAX_BODY_KEY]} bytes",
        ) from None
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise problem(400, "invalid-json", "the request body is not JSON") from None
    except RecursionError:
        raise _too_deep() from None
    if _deeper_than(data, MAX_BODY_DEPTH):
        raise _too_deep()
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = json_path(first["loc"])
        raise problem(422, "invalid", f"{where}: {first['msg']}", where=where) from None


def _too_deep() -> web.HTTPException:
    return problem(
        422, "invalid", f"$: the body nests deeper than {MAX_BODY_DEPTH} levels",
        hint=f"a Moviefile nests at most {MAX_DEPTH} levels", where="$",
    )


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether lists and objects in ``data`` nest more than ``limit`` levels (walked without
    recursion, so any depth json.loads returned is safe to measure)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        children = (value.values() if isinstance(value, dict)
                    else value if isinstance(value, list) else ())
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def json_path(loc: tuple[Any, ...] | list[Any]) -> str:
    return "$" + "".join(f".{part}" for part in loc)


def config_error(exc: MovieBuildError, where: str | None = None) -> web.HTTPException:
    return problem(422, "invalid", exc.message, hint=exc.hint, where=where)


def check_moviefile(data: dict[str, Any], prefix: tuple[str, ...]) -> tuple[str, Moviefile]:
    """The Moviefile text for ``data`` and its validated model; a 422 problem naming the JSON
    path (``$.moviefile.duration``) of the first problem otherwise."""
    import yaml

    from moviebuild.config.blueprint import load_blueprints
    from moviebuild.config.load import parse_moviefile
    _refuse_server_owned(data, prefix)
    segments = data.get("segments")
    if isinstance(segments, dict):
        # JSON keys are text; a Moviefile numbers its segments.
        data = {**data, "segments": {_number(k): v for k, v in segments.items()}}
    try:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    except yaml.YAMLError as exc:
        raise problem(422, "invalid", f"the Moviefile cannot be written as YAML: {exc}") from None
    names = [p.name for p in load_blueprints().producers]
    try:
        return text, parse_moviefile(text, "moviefile", producer_names=names)
    except ConfigError as exc:
        location = exc.location
        path: tuple[Any, ...] = ()
        if location is not None and location.line is not None:
            path = _path_on_line(text, location.line)
        where = json_path((*prefix, *path))
        message = f"{where}: {exc.detail}"
        raise problem(422, "invalid", message, hint=exc.hint, where=where) from None


def _path_on_line(text: str, line_number: int) -> tuple[Any, ...]:
    """The longest key path starting on ``line_number``; () when the text cannot be read with
    positions (it nests too deeply: the error at hand says so)."""
    from moviebuild.config.yamlpos import load_positioned_yaml

    try:
        positions = load_positioned_yaml(text, "moviefile").positions
    except ConfigError:
        return ()
    on_line = [key for key, (line, _c) in positions.items() if line == line_number]
    return max(on_line, key=len, default=())


def _number(key: str) -> int | str:
    number = ascii_number(key, max_digits=5)
    return key if number is None else number


def _refuse_server_owned(data: dict[str, Any], prefix: tuple[str, ...]) -> None:
    for key in SERVER_OWNED_KEYS:
        if key in data:
            where = json_path((*prefix, key))
            raise problem(
                422, "invalid", f"{where}: a movie on the server cannot choose its {key}",
                hint=f"remove `{key}`", where=where,
            )


def check_patch(patch: dict[str, Any]) -> None:
    _refuse_server_owned(patch, ("config",))
