"""``moviebuild schema moviefile|timeline|state``: the published JSON Schemas."""

from __future__ import annotations

import json
from typing import Any

import click


def json_schema(what: str) -> dict[str, Any]:
    if what == "moviefile":
        from moviebuild.config.moviefile import Moviefile

        return Moviefile.model_json_schema()
    if what == "state":
        from moviebuild.project.state import state_json_schema

        return state_json_schema()
    from moviebuild.timeline.model import timeline_json_schema

    return timeline_json_schema()


@click.command()
@click.argument("what", type=click.Choice(["moviefile", "timeline", "state"]))
def schema(what: str) -> None:
    """Print the JSON Schema of the Moviefile, the timeline or the MovieState document."""
    click.echo(json.dumps(json_schema(what), indent=2, sort_keys=True))
