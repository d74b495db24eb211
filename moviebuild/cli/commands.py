"""Every subcommand, one module each; each imports its implementation when it runs."""

from __future__ import annotations

from moviebuild.cli.build_cmd import build
from moviebuild.cli.checkout_cmd import checkout
from moviebuild.cli.cost_cmd import cost
from moviebuild.cli.diff_cmd import diff
from moviebuild.cli.doctor_cmd import doctor
from moviebuild.cli.explain_cmd import explain
from moviebuild.cli.export_cmd import export
from moviebuild.cli.fsck_cmd import fsck
from moviebuild.cli.gc_cmd import gc
from moviebuild.cli.graph_cmd import graph
from moviebuild.cli.init_cmd import init
from moviebuild.cli.limits_cmd import limits
from moviebuild.cli.log_cmd import log
from moviebuild.cli.preview_cmd import preview
from moviebuild.cli.redo_cmd import redo
from moviebuild.cli.render_cmd import render
from moviebuild.cli.reset_cmd import reset
from moviebuild.cli.schema_cmd import schema
from moviebuild.cli.serve_cmd import serve
from moviebuild.cli.status_cmd import status
from moviebuild.cli.studio_cmd import studio
from moviebuild.cli.token_cmd import token
from moviebuild.cli.worker_cmd import worker

ALL = [
    init,
    schema,
    graph,
    build,
    redo,
    reset,
    status,
    explain,
    log,
    cost,
    diff,
    checkout,
    gc,
    fsck,
    render,
    export,
    doctor,
    preview,
    serve,
    token,
    studio,
    worker,
    limits,
]
