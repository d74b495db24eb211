"""The studio's API types are generated, not mirrored: studio/schema/openapi.json is the document
the server serves at /v1/openapi.json, src/generated/api.ts is what `npm run types` makes of it
(checked with `npm run types:check` beside the bundle, in test_bundle.py), and no studio source
declares a type of its own under a name the document defines."""

from __future__ import annotations

import json
import re
from pathlib import Path

from moviebuild.server.openapi import openapi_document

STUDIO = Path(__file__).resolve().parents[2] / "studio"
OPENAPI_FILE = STUDIO / "schema" / "openapi.json"
REGENERATE = "the server's models changed: run `npm run schema && npm run types` in studio/"


def test_the_openapi_file_is_what_the_server_publishes() -> None:
    published = json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n"

    assert OPENAPI_FILE.read_text(encoding="utf-8") == published, REGENERATE


def test_no_studio_source_declares_a_type_the_document_defines() -> None:
    names = set(json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))["components"]["schemas"])
    declaration = re.compile(r"^\s*(?:export\s+)?(?:type|interface)\s+(\w+)", re.MULTILINE)
    mirrored = sorted(
        f"{path.relative_to(STUDIO)}: {name}"
        for path in (STUDIO / "src").rglob("*.ts*")
        if "generated" not in path.parts
        for name in declaration.findall(path.read_text(encoding="utf-8"))
        if name in names
    )

    assert mirrored == [], f"import these from src/generated/api.ts instead: {mirrored}"
