"""``moviebuild schema moviefile|timeline|state|plan|build|revision|event``: the published JSON
Schemas."""

from __future__ import annotations

import json
from typing import Any

import click

SCHEMAS = ("moviefile", "timeline", "state", "plan", "build", "revision", "event")


def json_schema(what: str) -> dict[str, Any]:
    if what == "moviefile":
        from moviebuild.config.moviefile import Moviefile

        return Moviefile.model_json_schema()
    if what == "state":
        from moviebuild.project.state import state_json_schema

        return state_json_schema()
    if what in ("plan", "build", "revision"):
        from moviebuild.project.reports import report_json_schema

        return report_json_schema(what)
    if what == "event":
        from moviebuild.project.events import event_json_schema

        return event_json_schema()
    from moviebuild.timeline.model import timeline_json_schema

    return timeline_json_schema()


@click.command()
@click.argument("what", type=click.Choice(SCHEMAS))
def schema(what: str) -> None:
    """Print the JSON Schema of the Moviefile, the timeline, the MovieState document, or the
    reports of plan, build and log (revision), or a build event."""
    click.echo(json.dumps(json_schema(what), indent=2, sort_keys=True))
