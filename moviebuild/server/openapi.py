"""The OpenAPI 3.1 document of the HTTP API, generated from the pydantic models the handlers use
(``/v1/openapi.json``, no token needed). The route list here is checked against the application's
router by a test, so the document cannot drift from what is served.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from moviebuild.project.state import MovieState
from moviebuild.server import models as m
from moviebuild.server.worker_routes import WorkerList

_REF = "#/components/schemas/{model}"

# (method, path, summary, request model, {status: response model or None for no body})
_Op = tuple[str, str, str, type[BaseModel] | None, dict[int, type[BaseModel] | None]]
_MOVIE = "/v1/movies/{movie}"
OPERATIONS: list[_Op] = [
    ("post", "/v1/movies", "Create a movie and start its first build (or plan it)",
     m.CreateMovie, {201: m.CreatedMovie, 422: m.Problem, 429: m.Problem}),
    ("get", "/v1/movies", "List this tenant's movies, a page at a time", None,
     {200: m.MovieList, 400: m.Problem}),
    ("get", _MOVIE, "The movie's state: revision, timeline with links, prompts, errors", None,
     {200: MovieState, 404: m.Problem}),
    ("delete", _MOVIE, "Delete the movie", None, {204: None, 404: m.Problem, 409: m.Problem}),
    ("post", _MOVIE + "/builds", "Regenerate with a patch, overrides and redos (or plan it)",
     m.BuildRequest,
     {200: m.BuildAccepted, 202: m.BuildAccepted, 404: m.Problem, 409: m.Problem,
      422: m.Problem, 429: m.Problem}),
    ("get", _MOVIE + "/builds/{build}", "One build", None,
     {200: m.BuildDocument, 404: m.Problem}),
    ("post", _MOVIE + "/builds/{build}/cancel", "Stop a running build; finished work is kept",
     None, {202: m.BuildDocument, 404: m.Problem, 409: m.Problem}),
    ("get", _MOVIE + "/events", "Server-Sent Events; send Last-Event-ID to resume", None,
     {200: None, 404: m.Problem}),
    ("get", _MOVIE + "/prompts", "Every editable prompt", None,
     {200: m.PromptList, 404: m.Problem}),
    ("get", _MOVIE + "/errors", "Failed jobs and what they block", None,
     {200: m.ErrorList, 404: m.Problem}),
    ("get", _MOVIE + "/timeline", "The timeline and its asset links", None,
     {200: m.TimelineDocument, 404: m.Problem}),
    ("get", _MOVIE + "/revisions", "Every revision, oldest first", None,
     {200: m.RevisionList, 404: m.Problem}),
    ("get", _MOVIE + "/revisions/{rev}", "One revision and what changed from the one before",
     None, {200: m.RevisionDocument, 404: m.Problem}),
    ("post", _MOVIE + "/checkout", "Make an earlier revision current again (calls nothing)",
     m.CheckoutRequest, {200: MovieState, 404: m.Problem, 409: m.Problem, 422: m.Problem}),
    ("get", _MOVIE + "/export/{format}",
     "The current revision for an editor: a zip of the OTIO, FCPXML or EDL file, its captions "
     "(SubRip) and its media", None, {200: None, 404: m.Problem, 409: m.Problem}),
    ("put", _MOVIE + "/files/{artifact}",
     "Put your own file (the raw body, or a form's part named file) in a media slot, e.g. "
     "SegmentImage[3][2]; the next build uses it", None,
     {200: MovieState, 404: m.Problem, 409: m.Problem, 413: m.Problem, 422: m.Problem}),
    ("delete", _MOVIE + "/files/{artifact}", "Hand a media slot back to its generator", None,
     {200: MovieState, 404: m.Problem, 409: m.Problem, 422: m.Problem}),
    ("get", "/v1/assets/{tenant}/{movie}/{digest}", "An asset by signed link (no token)", None,
     {200: None, 404: m.Problem}),
    ("put", "/v1/webhook", "Send every movie's build-finished events to a URL (signed)",
     m.WebhookRequest, {200: m.Webhook}),
    ("delete", "/v1/webhook", "Stop the tenant's webhook", None, {204: None, 404: m.Problem}),
    ("put", _MOVIE + "/webhook", "Send this movie's build-finished events to a URL (signed)",
     m.WebhookRequest, {200: m.Webhook, 404: m.Problem}),
    ("delete", _MOVIE + "/webhook", "Stop this movie's webhook", None,
     {204: None, 404: m.Problem}),
    ("get", "/v1/workers", "The build workers and their heartbeats (admin token only)", None,
     {200: WorkerList, 403: m.Problem}),
]

_PARAMETERS: dict[str, dict[str, Any]] = {
    "movie": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,62}$"},
    "tenant": {"type": "string"},
    "build": {"type": "string"},
    "rev": {"type": "string", "description": "3 or r3"},
    "digest": {"type": "string"},
    "format": {"type": "string", "enum": ["otio", "fcpxml", "edl"]},
    "artifact": {"type": "string", "description": "a media slot's id, e.g. SegmentImage[3][2]"},
}

_VARIANT = [{
    "name": "variant", "in": "query", "description": "a variant of the movie (`variants:` in "
    "its Moviefile); absent: the base movie",
    "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,39}$"},
}]

_QUERY: dict[str, list[dict[str, Any]]] = {
    _MOVIE: _VARIANT,
    _MOVIE + "/prompts": _VARIANT,
    _MOVIE + "/errors": _VARIANT,
    _MOVIE + "/timeline": _VARIANT,
    "/v1/movies": [
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                     "maximum": 200}},
        {"name": "cursor", "in": "query", "schema": {"type": "string"}},
    ],
    _MOVIE + "/events": [
        {"name": "Last-Event-ID", "in": "header", "schema": {"type": "string",
                                                              "pattern": "^[0-9]{1,11}$"}},
        {"name": "until", "in": "query", "schema": {"type": "string",
                                                    "enum": ["build-finished"]}},
        {"name": "build", "in": "query", "schema": {"type": "string",
                                                    "pattern": "^b[0-9]{1,9}$"}},
        {"name": "after", "in": "query", "schema": {"type": "string",
                                                    "pattern": "^[0-9]{1,11}$"}},
    ],
    "/v1/assets/{tenant}/{movie}/{digest}": [
        {"name": "expires", "in": "query", "required": True, "schema": {"type": "string"}},
        {"name": "signature", "in": "query", "required": True, "schema": {"type": "string"}},
    ],
}

_CONTENT_TYPES = {
    _MOVIE + "/events": "text/event-stream",
    "/v1/assets/{tenant}/{movie}/{digest}": "application/octet-stream",
    _MOVIE + "/export/{format}": "application/zip",
}


# Bodies that are files, not JSON: the raw bytes, or a form's part named ``file``.
_BINARY = {"type": "string", "format": "binary"}
_FILE_BODIES: dict[str, dict[str, Any]] = {
    _MOVIE + "/files/{artifact}": {
        "required": True,
        "content": {
            "application/octet-stream": {"schema": _BINARY},
            "multipart/form-data": {"schema": {
                "type": "object", "required": ["file"], "properties": {"file": _BINARY},
            }},
        },
    },
}


@cache
def openapi_document() -> dict[str, Any]:
    from moviebuild.config.moviefile import Moviefile

    models: set[type[BaseModel]] = {m.Problem, Moviefile}
    for _method, _path, _summary, body, responses in OPERATIONS:
        if body is not None:
            models.add(body)
        models.update(model for model in responses.values() if model is not None)
    ordered = sorted(models, key=lambda model: model.__name__)
    keys, definitions = models_json_schema(
        [(model, "validation") for model in ordered], ref_template=_REF
    )
    schemas = dict(definitions.get("$defs", {}))
    schemas["CreateMovie"]["properties"]["moviefile"] = {
        "$ref": _REF.format(model="Moviefile"),
        "description": "the Moviefile's keys and values (without `store`)",
    }
    refs = {model: keys[(model, "validation")]["$ref"] for model in ordered}
    paths: dict[str, dict[str, Any]] = {}
    for method, path, summary, body, responses in OPERATIONS:
        public = path.startswith("/v1/assets/")
        params = [
            {"name": name, "in": "path", "required": True, "schema": _PARAMETERS[name]}
            for name in _PARAMETERS
            if "{" + name + "}" in path
        ]
        operation: dict[str, Any] = {
            "summary": summary,
            "operationId": f"{method}_{path}".replace("/", "_").replace("{", "").replace("}", ""),
            "parameters": params + _QUERY.get(path, []) if method == "get" else params,
            "responses": {},
        }
        if public:
            operation["security"] = []
        else:
            operation["responses"]["401"] = _response("no valid bearer token", refs[m.Problem])
        if body is not None:
            optional = all(not f.is_required() for f in body.model_fields.values())
            operation["requestBody"] = {
                "required": not optional,
                "content": {"application/json": {"schema": {"$ref": refs[body]}}},
            }
            operation["responses"]["400"] = _response("not JSON", refs[m.Problem])
            operation["responses"]["413"] = _response("body too large", refs[m.Problem])
            operation["responses"].setdefault("422", _response("invalid", refs[m.Problem]))
        if method == "put" and path in _FILE_BODIES:
            operation["requestBody"] = _FILE_BODIES[path]
        for status, model in responses.items():
            if model is None:
                content_type = _CONTENT_TYPES.get(path)
                operation["responses"][str(status)] = {"description": "OK"} | (
                    {"content": {content_type: {}}} if content_type else {}
                )
            else:
                operation["responses"][str(status)] = _response("OK", refs[model])
        operation["responses"]["503"] = _response("stopping or store unavailable",
                                                  refs[m.Problem])
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "moviebuild", "version": "1",
                 "description": "Build and regenerate narrated movies."},
        "servers": [{"url": "/"}],
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }


def _response(description: str, ref: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}


async def openapi_handler(_request: web.Request) -> web.Response:
    return web.json_response(openapi_document())
