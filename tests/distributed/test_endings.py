"""A workflow's end is announced: the trigger notifies its id at the commit that ends it, once,
and not for a workflow that only changes while it is queued or running."""

from __future__ import annotations

import time

from moviebuild.distributed import runtime
from moviebuild.distributed.endings import Endings
from moviebuild.distributed.settings import ClusterSettings
from tests.distributed.cluster import create_database


def _announced(endings: Endings, timeout_s: float = 30.0) -> set[str]:
    """Everything announced until a wait of 0.5 s hears nothing more (or ``timeout_s``)."""
    heard: set[str] = set()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ended = endings.wait(0.5)
        assert ended is not None, "the connection stays open"
        if not ended and heard:
            return heard
        heard |= ended
    return heard


def test_the_end_of_a_workflow_is_announced_with_its_id(postgres_server: str) -> None:
    database = create_database(postgres_server)
    client = runtime.make_client(ClusterSettings(database))
    endings = Endings(database)
    try:
        assert endings.wait(1.0) is None, "just opened: something may have been missed"
        client.register_queue("endings-test")
        for number in range(3):
            client.enqueue({"queue_name": "endings-test", "workflow_name": "moviebuild.job",
                            "workflow_id": f"w{number}"}, {"n": number})
        client.cancel_workflow("w0")
        client.cancel_workflow("w2")
        announced = _announced(endings)
        client.resume_workflow("w2")  # back to the queue: not an end
        client.cancel_workflow("w1")
        later = _announced(endings)
    finally:
        endings.close()
        client.destroy()

    assert announced == {"w0", "w2"}
    assert later == {"w1"}
