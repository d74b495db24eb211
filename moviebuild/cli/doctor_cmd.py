"""``moviebuild doctor``: for each network provider, whether a key is set (naming the variable,
never showing the key), which base URL is used, and, unless ``--no-network``, whether a short GET
of a cheap endpoint answers within 3 s; then the offline engines in use (speech engine and voice
model, ffmpeg's path and version). It changes nothing and builds nothing.
"""

from __future__ import annotations

import json
from typing import Any

import click

from moviebuild.cli.context import CliContext, json_option, pass_cli

CHECK_TIMEOUT_S = 3.0


def doctor_report(check_network: bool) -> list[dict[str, Any]]:
    """One row per provider: ``provider``, ``configured``, ``key_env``, ``base_url``,
    ``base_url_env`` (None for the built-in default), ``reachable`` (yes / no / not-checked),
    ``auth`` (accepted / rejected / unknown / no key / not-checked) and ``detail``; the last row,
    ``provider: offline``, names the offline engines (``speech_engine``, ``voice_model``,
    ``speech_by_language``, ``ffmpeg``, ``ffmpeg_version``)."""
    from moviebuild.providers.endpoints import ENDPOINTS, display_url
    from moviebuild.providers.offline.identity import offline_engines

    rows: list[dict[str, Any]] = []
    for endpoint in ENDPOINTS.values():
        rows.append({
            "provider": endpoint.name,
            "configured": endpoint.key() is not None,
            "key_env": endpoint.key_env,
            "base_url": display_url(endpoint.base_url()),
            "base_url_env": endpoint.base_url_source(),
            "base_url_envs": list(endpoint.base_envs),
            "reachable": "not-checked",
            "auth": "not-checked",
            "detail": None,
        })
    if check_network:
        import asyncio

        from moviebuild.providers.http import check_reachable

        async def check_all() -> list[dict[str, str]]:
            return await asyncio.gather(*(check_reachable(e, timeout_s=CHECK_TIMEOUT_S)
                                          for e in ENDPOINTS.values()))

        for row, found in zip(rows, asyncio.run(check_all()), strict=True):
            row.update(found)
    rows.append({"provider": "offline", "configured": True, **offline_engines()})
    return rows


def render_report(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'provider':<11} {'key':<30} {'base URL':<40} reachable"]
    offline = [row for row in rows if row["provider"] == "offline"]
    rows = [row for row in rows if row["provider"] != "offline"]
    for row in rows:
        key = f"{'yes' if row['configured'] else 'no'} ({row['key_env']})"
        source = f" (${row['base_url_env']})" if row["base_url_env"] else ""
        reachable = row["reachable"]
        if reachable != "not-checked":
            reachable += f" ({row['detail']}; key {row['auth']})"
        lines.append(f"{row['provider']:<11} {key:<30} {row['base_url'] + source:<40} {reachable}")
    missing = [row["key_env"] for row in rows if not row["configured"]]
    if missing:
        lines.append("set " + ", ".join(missing) + " to use those providers; the offline "
                     "provider needs no key (see docs/providers.md)")
    for row in offline:
        lines.append(_offline_line(row))
    return "\n".join(lines)


def _offline_line(row: dict[str, Any]) -> str:
    speech = row["speech_engine"]
    if row["voice_model"]:
        speech += f" ({row['voice_model']})"
    if row["speech_engine"] == "tone":
        speech += " - a placeholder tone, not speech: pip install 'moviebuild[voice]'"
    ffmpeg = f"{row['ffmpeg']} ({row['ffmpeg_version']})" if row["ffmpeg"] else "not found"
    languages = ", ".join(f"{code}: {found}" for code, found in row["speech_by_language"].items())
    return f"offline engines: speech {speech}; ffmpeg {ffmpeg}\noffline speech by language: " + (
        languages + " (tone: apt-get install espeak-ng, pip install 'moviebuild[voice]')"
        if "tone" in languages else languages)


@click.command()
@json_option
@click.option("--network/--no-network", default=True, show_default=True,
              help="GET each provider's cheap endpoint (3 s timeout).")
@pass_cli
def doctor(context: CliContext, network: bool) -> None:
    """Check provider keys, base URLs and reachability (keys are never printed)."""
    rows = doctor_report(check_network=network)
    if context.as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        click.echo(render_report(rows))
