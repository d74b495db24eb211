#!/bin/sh
# Writes the HTTP API's OpenAPI document into schema/openapi.json, exactly as the server serves it
# at /v1/openapi.json (built from moviebuild/server/openapi.py without starting a server). Run it
# after a change to the server's models, then `npm run types`. PYTHON defaults to the repository's
# virtualenv.
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-../.venv/bin/python}
"$PYTHON" -c 'import json
from moviebuild.server.openapi import openapi_document
print(json.dumps(openapi_document(), indent=2, sort_keys=True))' > schema/openapi.json
echo "wrote schema/openapi.json"
