"""Build progress: plain lines for each job as it starts and ends (a long call is never
silent), and a table with what runs and each producer's time."""

from __future__ import annotations

import pytest

from moviebuild.cli.progress import Progress
from moviebuild.project.events import (
    BuildStarted,
    JobFinished,
    JobRetrying,
    JobStarted,
    JobWaiting,
)


def test_plain_progress_says_when_each_job_starts_and_ends(
    capsys: pytest.CaptureFixture[str],
) -> None:
    progress = Progress(plain=True, quiet=False)
    with progress:
        progress(BuildStarted(build="b1"))
        progress(JobWaiting(job="AudioProducer[1]", producer="AudioProducer"))
        progress(JobStarted(job="AudioProducer[1]", producer="AudioProducer", attempt=1))
        progress(JobRetrying(job="AudioProducer[1]", producer="AudioProducer", attempt=1,
                             retry_in_s=2.0, message="503"))
        progress(JobStarted(job="AudioProducer[1]", producer="AudioProducer", attempt=2))
        progress(JobFinished(job="AudioProducer[1]", producer="AudioProducer"))
    words = [line.split("]", 1)[1].split()[:2] for line in capsys.readouterr().out.splitlines()]
    assert words == [
        ["started", "AudioProducer[1]"],
        ["retrying", "AudioProducer[1]:"],
        ["finished", "AudioProducer[1]"],
    ]


def test_the_table_shows_running_jobs_and_each_producers_time() -> None:
    progress = Progress(plain=True, quiet=True)
    progress(JobWaiting(job="AudioProducer[1]", producer="AudioProducer"))
    progress(JobWaiting(job="AudioProducer[2]", producer="AudioProducer"))
    progress(JobStarted(job="AudioProducer[1]", producer="AudioProducer", attempt=1))
    assert progress.state["AudioProducer"]["running"] == 1
    assert progress.state["AudioProducer"]["waiting"] == 1
    assert progress.producer_time("AudioProducer").endswith(" s")
    assert progress.producer_time("MusicProducer") == ""
    columns = [column.header for column in progress.table().columns]
    assert columns == ["producer", "done", "running", "waiting", "failed", "retries", "reused",
                       "time"]
