"""Drawing the expanded graph as Mermaid or Graphviz dot: jobs as boxes, artifacts as edges."""

from __future__ import annotations

import click

from moviebuild.cli.context import CliContext, pass_cli
from moviebuild.graph import Graph, NodeId


def _node(job_id: NodeId) -> str:
    return str(job_id).replace("[", "_").replace("]", "")


def draw_graph(graph: Graph, fmt: str) -> str:
    edges = []
    for job in graph.jobs.values():
        for artifact_id in job.consumes:
            edges.append((graph.artifacts[artifact_id].producer, job.id, str(artifact_id)))
    if fmt == "dot":
        lines = ["digraph movie {", "  rankdir=LR;", "  node [shape=box];"]
        lines += [f'  {_node(j)} [label="{j}"];' for j in graph.jobs]
        lines += [f'  {_node(a)} -> {_node(b)} [label="{label}"];' for a, b, label in edges]
        return "\n".join([*lines, "}"])
    lines = ["flowchart LR"]
    lines += [f'  {_node(j)}["{j}"]' for j in graph.jobs]
    lines += [f"  {_node(a)} -->|{label}| {_node(b)}" for a, b, label in edges]
    return "\n".join(lines)


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True
)
@pass_cli
def graph(context: CliContext, fmt: str) -> None:
    """Draw the expanded job graph."""
    click.echo(draw_graph(context.open_movie().graph, fmt))
