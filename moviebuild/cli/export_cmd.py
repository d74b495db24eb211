"""``moviebuild export otio|fcpxml|edl``: the current revision as a file an editor opens, with
its captions as SubRip; locally, or from a server movie into a bundle folder."""

from __future__ import annotations

from pathlib import Path

import click

from moviebuild.cli.context import CliContext, json_option, pass_cli, variant_option

FORMAT_NAMES = ("otio", "fcpxml", "edl")


@click.command()
@click.argument("format_name", metavar="otio|fcpxml|edl", type=click.Choice(FORMAT_NAMES))
@click.option("-o", "--output", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None,
              help="The file to write [default: out/movie.<ext>, beside out/'s media; with "
                   "--bundle, its name inside the bundle].")
@click.option("--bundle", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write the file, its captions and a copy of every medium it names into this "
                   "folder, to move to another machine (with --server: required).")
@json_option
@variant_option
@pass_cli
def export(context: CliContext, format_name: str, out_path: Path | None,
           bundle: Path | None) -> None:
    """Export the current revision for an editor: OpenTimelineIO (otio), Final Cut Pro XML
    (fcpxml) or a CMX 3600 EDL (edl), media by relative path. docs/export.md says what each
    format keeps."""
    if context.server:
        _export_remote(context, format_name, out_path, bundle)
        return
    report = context.open_movie().export_edit(format_name, out_path=out_path, bundle=bundle)
    if context.as_json:
        context.echo_json(report.as_json())
        return
    clips = ", ".join(f"{count} {track.lower()}" for track, count in report.clips.items())
    click.echo(f"wrote {report.path} (r{report.revision}: {clips})")
    for path in report.files[1:]:
        click.echo(f"  and {path}")
    if report.media:
        click.echo(f"  with {len(report.media)} media files in {report.path.parent}")


def _export_remote(
    context: CliContext, format_name: str, out_path: Path | None, bundle: Path | None
) -> None:
    from moviebuild.cli.remote import remote_movie
    from moviebuild.errors import ConfigError

    if bundle is None or out_path is not None:
        raise ConfigError(
            "a server movie is exported as a bundle",
            hint="name the folder with --bundle DIR (and leave out -o)",
        )
    files = remote_movie(context).export_edit(format_name, bundle=bundle)
    if context.as_json:
        context.echo_json({"format": format_name, "files": [str(path) for path in files]})
        return
    click.echo(f"wrote {len(files)} files into {bundle}")
