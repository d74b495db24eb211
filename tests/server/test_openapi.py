"""The OpenAPI document describes exactly the routes the application serves, from the same
models, and is served without a token."""

from __future__ import annotations

from pathlib import Path

from moviebuild.server.app import make_app, make_server
from moviebuild.server.openapi import OPERATIONS, openapi_document
from moviebuild.server.root import LocalRoot


def test_the_document_lists_exactly_the_served_routes(tmp_path: Path) -> None:
    app = make_app(make_server(LocalRoot(tmp_path)))
    served = {
        (route.method.lower(), route.resource.canonical)
        for route in app.router.routes()
        if route.method != "HEAD" and route.resource is not None
        # The studio's page (/studio/) is served beside the API, not part of it.
        and route.resource.canonical.startswith("/v1/")
    }
    documented = {(method, path) for method, path, *_ in OPERATIONS}
    assert served == documented | {("get", "/v1/openapi.json")}


def test_every_reference_in_the_document_resolves() -> None:
    document = openapi_document()
    assert document["openapi"].startswith("3.1")
    schemas = document["components"]["schemas"]

    def refs(node: object) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            return found + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for value in node for r in refs(value)]
        return []

    for ref in refs(document):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas
    create = schemas["CreateMovie"]["properties"]["moviefile"]
    assert create["$ref"] == "#/components/schemas/Moviefile"
    state = document["paths"]["/v1/movies/{movie}"]["get"]["responses"]["200"]
    assert state["content"]["application/json"]["schema"]["$ref"].endswith("/MovieState")


def test_every_path_parameter_is_defined() -> None:
    """A template name without a parameter makes the document invalid (schemathesis refuses
    the operation)."""
    import re

    for path, item in openapi_document()["paths"].items():
        for method, operation in item.items():
            defined = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
            assert defined == set(re.findall(r"\{(\w+)\}", path)), (method, path)
