"""Node ids, the immutable expanded graph, and expansion of blueprints by cardinality."""

from moviebuild.graph.expand import expand_graph
from moviebuild.graph.graph import Artifact, Graph, Job
from moviebuild.graph.ids import NodeId, parse_node_id

__all__ = ["Artifact", "Graph", "Job", "NodeId", "expand_graph", "parse_node_id"]
