"""Build leases (``moviebuild.leases``): which build owns a movie now, on which worker, and the
lease's epoch, the fencing token that grows by one at every taking.

A lease belongs to a worker incarnation: it is valid while that worker's row is ``running`` or
``draining`` with the same incarnation (its heartbeat renews every lease it holds at once), and
may be taken over once the worker stopped, was claimed as dead, or rejoined as a new incarnation.
So a lease is never taken from a worker that is only silent: the claim decides that, once, with
its own rules. The same build (a recovered workflow) takes its own lease again with a new epoch.

The lease does not stop anything by itself: the build checks it (``check``) before writing the
movie's HEAD, the call workflows ask ``holds`` before calling a provider, the store lock names the
epoch so a newer one takes it over, and the worker's fence (``fence``) stops a claimed worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from moviebuild.distributed.pg import Database
from moviebuild.errors import StoreError

log = logging.getLogger("moviebuild.worker")

LEASE_SCHEMA = """
CREATE TABLE IF NOT EXISTS moviebuild.leases (
    movie text PRIMARY KEY,
    build_id text NOT NULL,
    owner text,
    owner_incarnation bigint NOT NULL DEFAULT 0,
    epoch bigint NOT NULL DEFAULT 1,
    taken timestamptz NOT NULL DEFAULT now()
);
"""

#: The lease's owner is a live worker incarnation (used inside the statements below).
_OWNER_LIVE = """EXISTS (SELECT 1 FROM moviebuild.workers w
    WHERE w.executor_id = l.owner AND w.incarnation = l.owner_incarnation
      AND w.state IN ('running', 'draining'))"""


class LeaseLost(StoreError):
    """This build no longer owns its movie: another worker took the build over (this worker was
    claimed as dead), so it must not call a provider or write the store."""


@dataclass(frozen=True)
class Lease:
    """A build's hold on ``movie`` (the movie's folder relative to the workers' root)."""

    movie: str
    build_id: str
    owner: str
    epoch: int


class Leases:
    """The leases table over one reconnecting connection; every statement waits out a database
    restart (``Database.execute_retrying``)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def try_take(self, movie: str, build_id: str, owner: str, incarnation: int) -> Lease | None:
        """Take ``movie`` for ``build_id`` when it is free, held by a worker that is not live,
        or already this build's on this worker incarnation; None while another live build
        holds it."""
        rows = self.db.execute_retrying(
            f"""INSERT INTO moviebuild.leases AS l (movie, build_id, owner, owner_incarnation)
                VALUES (%(movie)s, %(build)s, %(owner)s, %(incarnation)s)
                ON CONFLICT (movie) DO UPDATE SET build_id = EXCLUDED.build_id,
                  owner = EXCLUDED.owner, owner_incarnation = EXCLUDED.owner_incarnation,
                  epoch = l.epoch + 1, taken = now()
                WHERE l.owner IS NULL OR l.build_id = EXCLUDED.build_id OR NOT {_OWNER_LIVE}
                RETURNING epoch""",
            {"movie": movie, "build": build_id, "owner": owner, "incarnation": incarnation},
            what="taking a build lease",
        )
        if not rows:
            return None
        return Lease(movie, build_id, owner, int(rows[0][0]))

    def holder(self, movie: str) -> tuple[str, str] | None:
        """The build and worker holding ``movie`` now, if a live worker does."""
        rows = self.db.execute_retrying(
            f"""SELECT build_id, owner FROM moviebuild.leases l
                WHERE movie = %s AND owner IS NOT NULL AND {_OWNER_LIVE}""",
            (movie,), what="reading a build lease",
        )
        return (str(rows[0][0]), str(rows[0][1])) if rows else None

    def wait_take(
        self,
        movie: str,
        build_id: str,
        owner: str,
        incarnation: Callable[[], int],
        *,
        poll_s: float,
        give_up: Callable[[], bool],
        sleep: Callable[[float], None],
    ) -> Lease | None:
        """Take the lease, waiting while another live build holds it; None once ``give_up``."""
        said = False
        while not give_up():
            found = self.try_take(movie, build_id, owner, incarnation())
            if found is not None:
                return found
            holder = self.holder(movie)
            if holder is not None and not said:
                log.info("build %s waits for build %s of %s on worker %s", build_id, holder[0],
                         movie, holder[1])
                said = True
            sleep(poll_s)
        return None

    def release(self, lease: Lease) -> None:
        """Give the movie up (only the lease of this epoch: a newer one is another's)."""
        self.db.execute_retrying(
            "UPDATE moviebuild.leases SET owner = NULL WHERE movie = %s AND epoch = %s",
            (lease.movie, lease.epoch), what="releasing a build lease",
        )

    def check(self, lease: Lease) -> None:
        """Raise ``LeaseLost`` unless ``lease`` is still the movie's lease (same epoch)."""
        rows = self.db.execute_retrying(
            "SELECT epoch, build_id, owner FROM moviebuild.leases WHERE movie = %s",
            (lease.movie,), what="checking a build lease",
        )
        if not rows or int(rows[0][0]) != lease.epoch:
            found = f"epoch {rows[0][0]} ({rows[0][1]} on {rows[0][2]})" if rows else "none"
            raise LeaseLost(
                f"build {lease.build_id} lost the lease of {lease.movie} (epoch {lease.epoch}; "
                f"the movie's lease is now {found})",
                hint="another worker took the build over; nothing more is written by this one",
            )

    def holds(self, build_id: str) -> bool:
        """Whether build ``build_id`` holds a movie's lease on a live worker (a call of a build
        that does not is not started)."""
        rows = self.db.execute_retrying(
            f"""SELECT 1 FROM moviebuild.leases l
                WHERE build_id = %s AND owner IS NOT NULL AND {_OWNER_LIVE}""",
            (build_id,), what="checking a build lease",
        )
        return bool(rows)
