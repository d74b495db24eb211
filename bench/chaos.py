"""A fleet under the ordinary events of operations: ``moviebuild serve --database`` and three
``moviebuild worker`` processes on a throwaway PostgreSQL build 12 movies whose images come from
the Replicate emulator, submitted over HTTP. While they build: one worker is paused (SIGSTOP)
past ``--dead-after`` and resumed, PostgreSQL is restarted, another worker is SIGKILLed, and the
server is SIGKILLed and started again (``tests/distributed/chaos.py`` has the run).

It prints, as JSON: movies complete, revisions equal to a local build of the same Moviefile (keys
and blobs), predictions created beyond one per image (only creates the kill cut off before their
answer and that the account does not list may be), fake calls made beyond the jobs recorded
(calls cut off in flight), the most predictions in flight against the limit, and the workers'
exit codes (the SIGKILLed one: -9). ``tests/distributed/test_chaos.py`` runs the small form.
With ``--s3`` the root is on moto's S3 server (``serve`` and every worker with ``--root s3://...``
and a cache folder of its own: no shared folder).

    .venv/bin/python bench/chaos.py [--movies 12] [--s3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moviebuild.testing.s3server import S3Server
from tests.distributed.chaos import run
from tests.distributed.postgres import throwaway_cluster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--movies", type=int, default=12)
    parser.add_argument("--keep", type=Path, help="keep movies and logs in this folder")
    parser.add_argument("--s3", action="store_true",
                        help="the root on moto's S3 server, a cache folder per process")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory())
        postgres = stack.enter_context(throwaway_cluster())
        s3 = stack.enter_context(S3Server()) if args.s3 else None
        work = args.keep or Path(folder)
        work.mkdir(parents=True, exist_ok=True)
        print(json.dumps(run(postgres, args.movies, work, s3), indent=2), flush=True)


if __name__ == "__main__":
    main()
