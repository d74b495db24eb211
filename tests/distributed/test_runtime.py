"""The parts of the DBOS backend that need no database: the one private DBOS call, the tickets
that cross the database as JSON, and where a worker may find a movie."""

from __future__ import annotations

import inspect
import types
from importlib import metadata
from pathlib import Path

import pytest

from moviebuild.distributed import runtime
from moviebuild.distributed.job import JobAnswer, JobTicket
from moviebuild.distributed.workflows import BuildTicket, movie_folder
from moviebuild.errors import ConfigError, ProviderError


def test_the_pinned_dbos_is_installed() -> None:
    assert metadata.version("dbos") == runtime.DBOS_VERSION


def test_the_private_recovery_call_still_has_the_shape_it_is_wrapped_for() -> None:
    from dbos import DBOS

    recover = runtime._private_recover(types.SimpleNamespace(DBOS=DBOS))
    assert list(inspect.signature(recover).parameters) == ["executor_ids"]
    # It re-enqueues each workflow on its own queue (so pool limits hold after recovery).
    from dbos import _recovery

    assert "reenqueue_for_recovery" in inspect.getsource(_recovery._recover_workflow)


def test_a_dbos_without_the_private_call_fails_loudly_with_what_to_install() -> None:
    class Changed:
        @classmethod
        def _recover_pending_workflows(cls, ids: list[str], version: str) -> list[str]:
            return []

    for dbos_class in (object, Changed):
        with pytest.raises(runtime.ClusterError, match="_recover_pending_workflows") as caught:
            runtime._private_recover(types.SimpleNamespace(DBOS=dbos_class))
        assert runtime.DBOS_VERSION in (caught.value.hint or "")


def test_a_job_ticket_and_its_answers_survive_json() -> None:
    ticket = JobTicket("file:///m/.moviebuild", 3, "{}", "TextToImageProducer[1][2]", "k" * 32,
                       1, {"size": "480p"}, {"SegmentImagePrompt[1][2]": "d" * 32},
                       {"MusicPrompt": "calm"})
    assert JobTicket.from_json(ticket.to_json()) == ticket
    done = JobAnswer(outputs={"SegmentImage[1][2]": "e" * 32})
    assert JobAnswer.from_json(done.to_json()) == done
    throttled = JobAnswer(error="429 slow down", retryable=True, retry_after_s=3.0)
    with pytest.raises(ProviderError) as caught:
        JobAnswer.from_json(throttled.to_json()).raise_error()
    assert caught.value.retryable and caught.value.retry_after_s == 3.0


def test_a_ticket_from_another_release_is_refused_with_a_reason() -> None:
    value = {**JobTicket("s", 1, "{}", "ScriptProducer", "k", 0, {}).to_json(), "version": 99}
    with pytest.raises(ProviderError, match="another release"):
        JobTicket.from_json(value)


def test_a_build_ticket_survives_json() -> None:
    ticket = BuildTicket(
        "m1", {"voice": "x"}, {"SegmentNarration[1]": "Hi"}, ["MusicProducer"], 2.5
    )
    assert BuildTicket.from_json(ticket.to_json()) == ticket


def test_a_worker_builds_movies_under_its_root_only(tmp_path: Path) -> None:
    assert movie_folder("tenant/m1", tmp_path) == tmp_path / "tenant" / "m1"
    for outside in ("../elsewhere", "/etc", "m1/../../x"):
        with pytest.raises(ConfigError, match="outside this worker's root"):
            movie_folder(outside, tmp_path)


def test_database_urls_in_messages_lose_their_password() -> None:
    assert runtime.redact("postgresql://bob:s3cret@db:5432/x") == "postgresql://bob@db:5432/x"
    assert runtime.redact("postgresql://db/x") == "postgresql://db/x"
