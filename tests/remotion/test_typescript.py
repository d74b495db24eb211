"""The TypeScript side stays honest: its props types are what the schemas generate, and the
project type-checks in strict mode."""

from __future__ import annotations

import subprocess
from pathlib import Path


def run_node(node_project: tuple[Path, str], *args: str) -> subprocess.CompletedProcess[str]:
    project, node = node_project
    return subprocess.run(
        [node, *args], cwd=project, capture_output=True, text=True, check=False, timeout=180
    )


def test_the_generated_props_types_match_the_schema_files(
    node_project: tuple[Path, str],
) -> None:
    done = run_node(node_project, "scripts/generate-types.mjs", "--check")

    assert done.returncode == 0, done.stderr + done.stdout


def test_the_project_type_checks_in_strict_mode(node_project: tuple[Path, str]) -> None:
    done = run_node(node_project, "node_modules/typescript/bin/tsc", "--noEmit", "-p", ".")

    assert done.returncode == 0, done.stdout + done.stderr
