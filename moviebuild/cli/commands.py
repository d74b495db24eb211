"""Every subcommand and the module it lives in. A command's module is imported only when that
command runs (or ``--help`` lists them all), so `moviebuild` and `moviebuild --dry-run` load
none of the others."""

from __future__ import annotations

import importlib

import click

#: Command name -> its module under ``moviebuild.cli``; the command is the module's attribute of
#: the same name.
COMMANDS = {
    "init": "init_cmd",
    "schema": "schema_cmd",
    "graph": "graph_cmd",
    "build": "build_cmd",
    "redo": "redo_cmd",
    "reset": "reset_cmd",
    "status": "status_cmd",
    "explain": "explain_cmd",
    "log": "log_cmd",
    "cost": "cost_cmd",
    "diff": "diff_cmd",
    "checkout": "checkout_cmd",
    "gc": "gc_cmd",
    "fsck": "fsck_cmd",
    "render": "render_cmd",
    "export": "export_cmd",
    "doctor": "doctor_cmd",
    "preview": "preview_cmd",
    "serve": "serve_cmd",
    "token": "token_cmd",
    "studio": "studio_cmd",
    "worker": "worker_cmd",
    "limits": "limits_cmd",
}


def load_command(name: str) -> click.Command:
    """The command ``name`` (one of ``COMMANDS``), importing its module."""
    module = importlib.import_module(f"moviebuild.cli.{COMMANDS[name]}")
    command = getattr(module, name)
    assert isinstance(command, click.Command)
    return command
