"""The studio: the built single-page app under ``static/`` (made from ``studio/`` in the
repository by ``npm run build`` and committed, so the package serves it without Node) and
``moviebuild studio``, which serves one local movie folder through the HTTP API. The page talks
to nothing but the public HTTP API.
"""

from __future__ import annotations

from pathlib import Path

STATIC_FOLDER = Path(__file__).parent / "static"

#: What the page is made of, and the content type of each; nothing else is ever served.
STATIC_FILES = {
    "index.html": "text/html",
    "studio.js": "text/javascript",
    "studio.css": "text/css",
}
