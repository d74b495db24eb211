"""The server follows many builds with one status query per round: every build awaited within
the window is asked for together, and a failed query reaches every follower (who asks again)."""

from __future__ import annotations

import asyncio

import pytest

from moviebuild.distributed.backend import BuildStatus, StatusBoard


class FakeCluster:
    def __init__(self) -> None:
        self.queries: list[list[str]] = []
        self.fail = False

    def statuses(self, build_ids: list[str]) -> dict[str, BuildStatus]:
        self.queries.append(list(build_ids))
        if self.fail:
            raise ConnectionError("the database blinked")
        return {b: BuildStatus(b, "running") for b in build_ids if b != "unknown"}


def test_builds_awaited_together_are_asked_for_in_one_query() -> None:
    cluster = FakeCluster()
    board = StatusBoard(cluster, window_s=0.01)  # type: ignore[arg-type]
    ids = [f"t/m{n}/b1" for n in range(20)] + ["unknown"]

    async def follow() -> list[BuildStatus | None]:
        return list(await asyncio.gather(*(board.status(b) for b in ids)))

    found = asyncio.run(follow())

    assert cluster.queries == [sorted(ids)]
    assert [s.state if s else None for s in found] == ["running"] * 20 + [None]


def test_a_failed_query_reaches_every_follower_and_the_next_round_asks_again() -> None:
    cluster = FakeCluster()
    board = StatusBoard(cluster, window_s=0.01)  # type: ignore[arg-type]

    async def follow() -> tuple[list[object], BuildStatus | None]:
        cluster.fail = True
        failed = await asyncio.gather(board.status("a"), board.status("b"),
                                      return_exceptions=True)
        cluster.fail = False
        return list(failed), await board.status("a")

    failed, again = asyncio.run(follow())

    assert all(isinstance(f, ConnectionError) for f in failed)
    assert again == BuildStatus("a", "running")
    assert len(cluster.queries) == 2


@pytest.mark.parametrize("window_s", [0.0, 0.01])
def test_a_follower_alone_is_answered(window_s: float) -> None:
    board = StatusBoard(FakeCluster(), window_s=window_s)  # type: ignore[arg-type]
    assert asyncio.run(board.status("a")) == BuildStatus("a", "running")
