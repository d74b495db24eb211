#!/bin/sh
# Writes the published JSON Schemas of timeline.json and assets.json into schema/, exactly as
# `moviebuild schema timeline` prints them. Run it after a change to moviebuild/timeline/model.py,
# then `npm run types`. MOVIEBUILD and PYTHON default to the repository's virtualenv.
set -eu
cd "$(dirname "$0")/.."
MOVIEBUILD=${MOVIEBUILD:-../.venv/bin/moviebuild}
PYTHON=${PYTHON:-../.venv/bin/python}
"$MOVIEBUILD" schema timeline > schema/timeline.schema.json
"$PYTHON" -c 'import json
from moviebuild.timeline.model import asset_map_json_schema
print(json.dumps(asset_map_json_schema(), indent=2, sort_keys=True))' > schema/asset-map.schema.json
echo "wrote schema/timeline.schema.json and schema/asset-map.schema.json"
