"""Bounded fuzzing of ids and numbers written with Unicode digits (decimal digits of every
script, superscripts and subscripts, circled and fractional numerals: everything
``str.isdigit``/``isnumeric`` accepts) through the command line (``--set``, ``explain``,
``redo``) and the HTTP API (overrides, redo, config keys, page sizes, revisions, event ids and
the unauthenticated asset expiry). The only outcomes are a usage error (exit 2) or a 4xx, or
success for pure ASCII; never an internal error (exit 70) or a 5xx. ``UNICODE_FUZZ_EXAMPLES``
raises the number of examples for a longer run."""

from __future__ import annotations

import os
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moviebuild.cli.main import _register, cli
from tests.conftest import MovieFactory
from tests.server.harness import Http, moviefile, running_server

EXAMPLES = int(os.environ.get("UNICODE_FUZZ_EXAMPLES", "40"))
#: Every character Python calls a digit or numeric, ASCII excluded.
UNICODE_DIGITS = [chr(c) for c in range(128, sys.maxunicode + 1)
                  if chr(c).isdigit() or chr(c).isnumeric()]
NAMES = ("SegmentNarration", "SegmentImage", "TextToImageProducer", "AudioProducer",
         "MovieTitle")
SETTINGS = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=10), derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])

ascii_digit = st.sampled_from("0123456789")
any_digit = st.one_of(ascii_digit, st.sampled_from(UNICODE_DIGITS))
#: A number with at least one non-ASCII digit among 1-4 characters.
number = st.tuples(st.lists(any_digit, max_size=3), st.sampled_from(UNICODE_DIGITS),
                   st.lists(any_digit, max_size=3)).map(lambda p: "".join(p[0]) + p[1]
                                                        + "".join(p[2]))


@st.composite
def node_ids(draw: st.DrawFn) -> str:
    """``Name[n]`` or ``Name[n][m]`` with a Unicode digit in at least one index."""
    indices = [draw(number)]
    if draw(st.booleans()):
        indices.insert(draw(st.integers(0, 1)), draw(st.one_of(number, ascii_digit)))
    return draw(st.sampled_from(NAMES)) + "".join(f"[{i}]" for i in indices)


def test_cli_refuses_unicode_digits_in_ids(movie_folder: MovieFactory) -> None:
    folder = str(movie_folder())
    _register()
    outcomes: Counter[str] = Counter()

    @SETTINGS
    @given(target=node_ids(), command=st.sampled_from(["set", "explain", "redo"]))
    def check(target: str, command: str) -> None:
        args = {"set": ["--set", f"{target}=New words", "--dry-run"], "explain": ["explain",
                target], "redo": ["redo", target]}[command]
        result = CliRunner().invoke(cli, ["-C", folder, *args])
        outcomes[f"{command} exit {result.exit_code}"] += 1
        assert result.exit_code == 2, (args, result.exit_code, result.output)
        assert "internal error" not in result.output and "Traceback" not in result.output

    check()
    print(f"\nCLI: {sum(outcomes.values())} ids, {dict(sorted(outcomes.items()))}")


def test_api_refuses_unicode_digits_in_ids_and_numbers(tmp_path: Path) -> None:
    outcomes: Counter[str] = Counter()
    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        movie_id = http.post("/v1/movies", {"moviefile": moviefile()}).json()["id"]
        http.wait_for_build(movie_id)
        link = http.get(f"/v1/movies/{movie_id}").json()["assets"]["SegmentImage[1][1]"]
        asset_path, _, query = link.removeprefix(running.base_url).partition("?expires=")
        signature = query.partition("&")[2]
        anyone = Http(running.base_url)
        builds = f"/v1/movies/{movie_id}/builds"

        @SETTINGS
        @given(target=node_ids(), digits=number,
               where=st.sampled_from(["override", "redo", "config", "segments", "limit",
                                      "revision", "event", "expires"]))
        def check(target: str, digits: str, where: str) -> None:
            if where == "override":
                answer = http.post(builds, {"overrides": {target: "x"}, "dry_run": True})
            elif where == "redo":
                answer = http.post(builds, {"redo": [target], "dry_run": True})
            elif where == "config":
                answer = http.post(builds, {"config": {digits: 1}, "dry_run": True})
            elif where == "segments":
                answer = http.post(builds, {"config": {"segments": {digits: {"voice": "v"}}},
                                            "dry_run": True})
            elif where == "limit":
                answer = http.get(f"/v1/movies?limit={quote(digits)}")
            elif where == "revision":
                answer = http.get(f"/v1/movies/{movie_id}/revisions/r{quote(digits)}")
            elif where == "event":
                answer = http.get(f"/v1/movies/{movie_id}/events?after={quote(digits)}")
            else:
                answer = anyone.get(f"{asset_path}?expires={quote(digits)}&{signature}")
            outcomes[f"{where} {answer.status}"] += 1
            assert 400 <= answer.status < 500, (where, target, digits, answer.body[:300])

        check()
    print(f"\nAPI: {sum(outcomes.values())} requests, {dict(sorted(outcomes.items()))}")
