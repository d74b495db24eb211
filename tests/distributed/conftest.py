"""One throwaway PostgreSQL cluster for the distributed tests (each test makes its own database
on it). Where PostgreSQL cannot start, the tests that need it fail with the reason."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tests.distributed.postgres import PostgresUnavailable, throwaway_postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(throwaway_postgres())
        except PostgresUnavailable as exc:
            pytest.fail(f"the distributed tests need PostgreSQL: {exc}")
        yield url
