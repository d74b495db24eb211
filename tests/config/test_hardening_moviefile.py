"""Hostile Moviefiles through the command line: aliases, explicit tags, values that are not plain
data and oversized text all stop the dry run with one ``file:line`` error, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from moviebuild.cli.main import _register, cli

HEAD = "inquiry: Tell me about tides\nduration: 20\n"


def dry_run(tmp_path: Path, text: str) -> Result:
    folder = tmp_path / "movie"
    folder.mkdir(exist_ok=True)
    (folder / "Moviefile.yaml").write_text(text, encoding="utf-8")
    _register()
    return CliRunner().invoke(cli, ["-C", str(folder), "--dry-run"])


def assert_config_error(result: Result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Moviefile.yaml:" in result.stderr, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    assert "internal error" not in result.stderr


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2024-01-01", ["reads as a date", "quote it ('2024-01-01')"]),
        (".nan", ["nan is not a number a provider accepts"]),
        ("-.inf", ["-inf is not a number a provider accepts"]),
        ("!!binary aGVsbG8=", ["binary data (!!binary)"]),
        ("[1, {deep: .inf}]", ["params.seed.1.deep: inf"]),
    ],
)
def test_provider_params_that_are_not_plain_data_fail_the_dry_run(
    tmp_path: Path, value: str, words: list[str]
) -> None:
    text = HEAD + f"providers:\n  image:\n    adapter: offline\n    params:\n      seed: {value}\n"
    assert_config_error(dry_run(tmp_path, text), "Moviefile.yaml:7:", *words)


def test_an_infinite_time_scale_is_refused(tmp_path: Path) -> None:
    text = HEAD + "providers:\n  image: {simulate_latency: medians, time_scale: .inf}\n"
    assert_config_error(dry_run(tmp_path, text), "expected a finite number, got inf")


def test_an_alias_bomb_is_refused_at_its_first_alias(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 6):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    result = dry_run(tmp_path, HEAD + "\n".join(lines) + "\n")
    assert_config_error(result, "Moviefile.yaml:4:", "aliases (*a0) are not allowed")


def test_a_self_referencing_alias_is_refused(tmp_path: Path) -> None:
    result = dry_run(tmp_path, "inquiry: &loop [*loop]\nduration: 20\n")
    assert_config_error(result, "Moviefile.yaml:1:", "aliases (*loop) are not allowed")


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("duration: !!int twenty", ["cannot read 'twenty' as !!int", "quote the value"]),
        ("duration: !!timestamp soon", ["cannot read 'soon' as !!timestamp"]),
        ("duration: " + "9" * 5000, ["as !!int"]),
        ("inquiry: 2024-01-01", ["got the date 2024-01-01", "quote it"]),
        ("inquiry: " + "[" * 40 + "]" * 40, ["nests deeper than 32 levels"]),
    ],
    ids=["bad-int-tag", "bad-timestamp-tag", "huge-int", "date-inquiry", "deep-nesting"],
)
def test_odd_scalars_and_tags_are_config_errors(
    tmp_path: Path, line: str, words: list[str]
) -> None:
    key = line.split(":", 1)[0]
    rest = "".join(entry for entry in HEAD.splitlines(keepends=True) if not entry.startswith(key))
    assert_config_error(dry_run(tmp_path, line + "\n" + rest), *words)


def test_a_megabyte_inquiry_is_refused_with_the_stated_limit(tmp_path: Path) -> None:
    result = dry_run(tmp_path, "inquiry: " + "why " * 250_000 + "\nduration: 20\n")
    assert_config_error(result, "inquiry is 999,999 characters long; the limit is 2,000")


def test_a_huge_music_prompt_is_refused(tmp_path: Path) -> None:
    result = dry_run(tmp_path, HEAD + "music_prompt: " + "drums " * 2000 + "\n")
    assert_config_error(result, "music_prompt is", "the limit is 5,000")
