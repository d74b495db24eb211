"""The two words every layer uses about a job: what a build decided to do with it (``Action``)
and what state a revision left it in (``JobStatus``). The lowest module of the engine, so the
decider, the interfaces and the outcome records can all name them without importing each other.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """run: call the producer. reuse: a stored result has this key. skip: all outputs overridden."""

    RUN = "run"
    REUSE = "reuse"
    SKIP = "skip"


class JobStatus(StrEnum):
    """A job's state in a revision.

    done: outputs stored. needs-attention: a non-retryable failure (or retries exhausted) the
    user must look at. blocked: an upstream job failed, so this one could not start.
    skipped: every output is overridden by the user, so the job has nothing to make.
    """

    DONE = "done"
    NEEDS_ATTENTION = "needs-attention"
    BLOCKED = "blocked"
    SKIPPED = "skipped"
