"""Bounded fuzzing through the command line: Moviefiles with aliases, tags and odd scalars, and
edits of every kind to the files under prompts/. The only outcomes are success or one error
message with exit 1-3 (never an internal error or a traceback), and no case takes more than a
few seconds (the hypothesis deadline is that bound, generous for a shared machine)."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from moviebuild.cli.main import _register, cli
from tests.conftest import FAKE_MEDIA, write_moviefile

BOUND = timedelta(seconds=5)

ODD_SCALARS = [
    ".nan",
    ".inf",
    "-.inf",
    "~",
    "null",
    "0x1F",
    "0o17",
    "1e999",
    "-0",
    "2024-01-01",
    "2001-12-14t21:59:43.10-05:00",
    "yes",
    "no",
    "on",
    "'quoted'",
    '"\\u2028"',
    '"\\r\\n# Segment 1"',
    "!!binary aGVsbG8=",
    "!!timestamp x",
    "!!int x",
    "!!float 1",
    "!!str 10",
    "!!bool maybe",
    "!!null x",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!!pairs [a: 1]",
    "!!python/object:os.system x",
    "!foo bar",
    "9" * 5000,
    "10",
    "20",
    "2",
    "5",
    "0",
    "-10",
    "1.5",
    "true",
    "watercolor",
    "adults",
    "kids",
    "720p",
    "16:9",
    "Tell me about tides",
    "'# Segment 2'",
    "[]",
    "{}",
    "[1, [2, [3]]]",
    "{a: {b: {c: 1}}}",
    "&a 10",
    "&a [1, 2]",
    "x" * 3000,
]
ALIASES = ["*a", "[*a, *a]", "{x: *a}", "&a [*a]", "&b [*b, *b]"]
KEYS = [
    "inquiry",
    "duration",
    "audience",
    "language",
    "voice",
    "emotion",
    "use_video",
    "image_to_video",
    "images_per_segment",
    "image_style",
    "size",
    "aspect_ratio",
    "music_prompt",
    "assembly",
    "segments",
    "limits",
    "store",
    "*a",
    "&a key",
    "? complex",
]

BASE = {"inquiry": "Tell me about tides", "duration": "20", "images_per_segment": "1"}
scalar = st.sampled_from(ODD_SCALARS + ALIASES)


def moviefile_text(fields: dict[str, str], params: dict[str, str]) -> str:
    lines = [f"{key}: {value}" for key, value in {**BASE, **fields}.items()]
    lines += [
        "providers:",
        "  image:",
        "    adapter: fake",
        "    params:" + ("" if params else " {}"),
    ]
    lines += [f"      {key}: {value}" for key, value in params.items()]
    lines += [f"  {role}: {{adapter: fake}}" for role in ("speech", "music", "video")]
    return "\n".join(lines) + "\n"


moviefiles = st.builds(
    moviefile_text,
    st.dictionaries(st.sampled_from(KEYS), scalar, max_size=2),
    st.dictionaries(st.sampled_from(["seed", "steps", "1", "x y"]), scalar, max_size=2),
)


def invoke(folder: Path, *args: str) -> Result:
    _register()
    return CliRunner().invoke(cli, ["-C", str(folder), *args])


def assert_clean(result: Result, what: str) -> None:
    event(f"{what} exit {result.exit_code}")
    assert result.exit_code in (0, 1, 2, 3), (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "internal error" not in result.output, result.output
    if result.exit_code:
        assert result.stderr.startswith("error: "), result.output


@settings(max_examples=150, deadline=BOUND, suppress_health_check=[HealthCheck.too_slow])
@given(moviefiles)
def test_fuzzed_moviefiles_build_or_fail_with_one_message(text: str) -> None:
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        (folder / "Moviefile.yaml").write_text(text, encoding="utf-8")
        planned = invoke(folder, "--dry-run", "--json")
        assert_clean(planned, "dry run")
        if planned.exit_code == 0 and len(json.loads(planned.stdout)["jobs"]) <= 40:
            assert_clean(invoke(folder, "build", "--json"), "build")


PROMPT_FILES = [
    "script.md",
    "segment-01/image-1.txt",
    "segment-02/image-1.txt",
    "music.txt",
    ".generated.json",
]
LINES = [
    "# Title",
    "# Summary",
    "# Segment 1",
    "# Segment 2",
    "# Segment 3",
    "# Segment 0",
    "# Segment \u00b2",
    "# Segment 99999999999",
    "#",
    "## Heading",
    "\\# escaped",
    "\\\\#",
    "#Segment 1",
    "words of narration",
    "",
    "   ",
    "\u2028",
    "\ufeff# Title",
    "[1, 2]",
    '{"generated": {"SegmentNarration[1]": 1}}',
    '{"generated": {"Nope[": "x"}}',
    '{"format_version": 9}',
    '{"generated": {"SegmentImagePrompt[1]": "x", "SegmentNarration": "y"}}',
    "null",
]
line_text = st.one_of(st.sampled_from(LINES), st.text(max_size=30))
edits = st.one_of(
    st.builds(
        lambda lines, sep, encoding: sep.join(lines).encode(encoding, errors="replace"),
        st.lists(line_text, max_size=8),
        st.sampled_from(["\n", "\r\n", "\r", "\u2028"]),
        st.sampled_from(["utf-8", "latin-1", "utf-16"]),
    ),
    st.binary(max_size=64),
    st.sampled_from(["delete", "folder", "link"]),
)


def apply(path: Path, change: bytes | str) -> None:
    """Write ``change`` into ``path``, or replace the file by nothing, a folder or a link."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
    if change == "folder":
        path.mkdir()
    elif change == "link":
        path.symlink_to(path.parents[2] / "Moviefile.yaml")
    elif isinstance(change, bytes):
        path.write_bytes(change)


@pytest.fixture(scope="module")
def built_movie(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz") / "movie"
    write_moviefile(folder, duration=20, images_per_segment=1, providers=FAKE_MEDIA)
    assert invoke(folder, "build").exit_code == 0
    return folder


@settings(max_examples=60, deadline=BOUND, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PROMPT_FILES), edits), min_size=1, max_size=3))
def test_fuzzed_prompt_edits_build_or_fail_with_one_message(
    built_movie: Path, changes: list[tuple[str, bytes | str]]
) -> None:
    prompts = built_movie / "prompts"
    saved = tempfile.mkdtemp()
    shutil.copytree(prompts, saved, dirs_exist_ok=True)
    try:
        for relative, change in changes:
            apply(prompts / relative, change)
        assert_clean(invoke(built_movie, "status", "--json"), "status")
        assert_clean(invoke(built_movie, "build", "--json"), "build")
    finally:
        shutil.rmtree(prompts)
        shutil.copytree(saved, prompts)
        shutil.rmtree(saved)
