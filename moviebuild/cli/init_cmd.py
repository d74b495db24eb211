"""``moviebuild init``: a commented Moviefile and the JSON Schema editors use to complete it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from moviebuild.cli.numbers import ASCII_INT
from moviebuild.config.load import MOVIEFILE_NAME
from moviebuild.errors import ConfigError

SCHEMA_NAME = ".moviefile.schema.json"

_TEMPLATE = """\
# yaml-language-server: $schema={schema}
# The movie moviebuild makes from this folder. Run `moviebuild --dry-run` to see the plan,
# `moviebuild` to build it. Edit anything and rebuild: only what the edit touches reruns.

inquiry: {inquiry}
duration: {duration}              # seconds, a multiple of 10, at most 300 (one segment per 10 s)
audience: adults          # kids | teens | adults | academic | enthusiasts
language: en              # en es fr de it pt tr ja nl pl ru zh ko ar hi
voice: narrator           # provider-specific voice name or id; offline maps any name to a voice
# emotion: calm           # neutral calm cheerful excited serious sad dramatic warm

image_style: watercolor   # photorealistic watercolor anime cartoon pixar ghibli oil-painting sketch
images_per_segment: 3     # 1 to 5
size: 720p                # 480p | 720p | 1080p
aspect_ratio: "16:9"      # 16:9 | 9:16 | 1:1 | 4:3
assembly: fit-narration   # fit-narration (never cuts a sentence) | fixed (10 s) | speed-adjust
captions: {{position: bottom, size: medium}}  # top | bottom; small | medium | large; or false

use_video: false          # video clips instead of Ken Burns images
image_to_video: false     # grow each video from a generated starting image
# segments:               # per-segment exceptions, numbered from 1
#   3: {{use_video: true}}

# music_prompt: "calm piano and strings"   # pin the music prompt instead of generating it

# providers:              # per role (text speech music image video) or per producer
#   image: {{adapter: openai, model: gpt-image-1}}
#   text: {{adapter: openai, model: gpt-4o-mini}}
# limits:                 # per provider: calls in flight and requests per minute
#   openai: {{concurrent: 8, requests_per_minute: 500}}

# store: s3://my-bucket/movies/civil-war   # the store on S3 (pip install 'moviebuild[s3]')
#                         # instead of .moviebuild here; keys from AWS_ACCESS_KEY_ID and
#                         # AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), AWS_ENDPOINT_URL for
#                         # S3-compatible services
"""


def write_moviefile(folder: Path, *, inquiry: str, duration: int, force: bool) -> Path:
    from moviebuild.config.load import parse_moviefile
    from moviebuild.config.moviefile import Moviefile

    path = folder / MOVIEFILE_NAME
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists", hint="pass --force to overwrite it")
    text = _TEMPLATE.format(schema=SCHEMA_NAME, inquiry=json.dumps(inquiry), duration=duration)
    parse_moviefile(text, path)
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    schema = json.dumps(Moviefile.model_json_schema(), indent=2, sort_keys=True)
    (folder / SCHEMA_NAME).write_text(schema + "\n", encoding="utf-8")
    return path


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--inquiry", required=True, help="What the movie is about.")
@click.option("--duration", type=ASCII_INT, default=60, show_default=True, help="Seconds (x10).")
@click.option("--force", is_flag=True, help="Overwrite an existing Moviefile.")
def init(folder: Path, inquiry: str, duration: int, force: bool) -> None:
    """Write a commented Moviefile.yaml into FOLDER."""
    path = write_moviefile(folder, inquiry=inquiry, duration=duration, force=force)
    click.echo(f"wrote {path}; edit it, then run `moviebuild -C {folder}`")
