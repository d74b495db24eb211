"""Journals on every store backend (local, memory, S3)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from moviebuild.errors import StoreError, StoreFormatError
from moviebuild.store import Journal, Store, open_store
from moviebuild.store.journal import parse_journal


@pytest.fixture
def store(backend_url: str) -> Iterator[Store]:
    with open_store(backend_url) as opened:
        yield opened


def journal_path(store: Store, rev: int) -> str:
    return Journal(store.fs, store.root).journal_path(rev)


def add_raw_bytes(store: Store, rev: int, data: bytes) -> None:
    """What a crash (or damage) leaves at the end of a journal."""
    path = journal_path(store, rev)
    store.fs.pipe_file(path, store.fs.cat_file(path) + data)


def test_records_read_back_in_order_one_line_each(store: Store) -> None:
    records = [{"event": "start", "job": "Script"}, {"event": "finish", "text": "two\nlines"}]
    for record in records:
        store.append_journal(3, record)

    assert store.read_journal(3) == records
    store.close()
    assert store.fs.cat_file(journal_path(store, 3)).count(b"\n") == 2


def test_every_append_is_visible_to_readers_at_once(store: Store) -> None:
    with store.open_journal(1) as writer:
        writer.append({"n": 1})
        assert store.read_journal(1) == [{"n": 1}]


def test_a_truncated_last_line_is_ignored(store: Store) -> None:
    store.append_journal(1, {"n": 1})
    store.append_journal(1, {"n": 2})
    store.close()
    add_raw_bytes(store, 1, b'{"n": 3, "outp')

    assert store.read_journal(1) == [{"n": 1}, {"n": 2}]


def test_a_complete_looking_last_line_without_its_newline_is_ignored(store: Store) -> None:
    store.append_journal(1, {"n": 1})
    store.close()
    add_raw_bytes(store, 1, b'{"n": 2}')

    assert store.read_journal(1) == [{"n": 1}]


def test_appending_after_a_crash_drops_the_cut_off_line_first(store: Store) -> None:
    store.append_journal(1, {"n": 1})
    store.close()
    add_raw_bytes(store, 1, b"\x00\x00{garbage")

    store.append_journal(1, {"n": 2})
    assert store.read_journal(1) == [{"n": 1}, {"n": 2}]


def test_a_damaged_final_line_is_ignored_but_damage_before_it_is_a_format_error(
    store: Store,
) -> None:
    store.append_journal(2, {"n": 1})
    store.close()
    add_raw_bytes(store, 2, b"not json\n")
    assert store.read_journal(2) == [{"n": 1}]

    add_raw_bytes(store, 2, b'{"n": 2}\n')
    with pytest.raises(StoreFormatError, match="line 2") as raised:
        store.read_journal(2)
    assert raised.value.hint is not None


def test_list_journals_lists_revision_numbers_only(store: Store) -> None:
    store.append_journal(2, {"n": 1})
    store.append_journal(10, {"n": 1})
    store.fs.pipe_file(f"{store.root}/journal/notes.txt", b"mine")
    store.fs.pipe_file(f"{store.root}/journal/.tmp-{uuid.uuid4().hex}", b"")

    assert store.list_journals() == [2, 10]


def test_a_missing_journal_is_a_store_error(store: Store) -> None:
    assert store.list_journals() == []
    with pytest.raises(StoreError, match="revision 4 has no journal"):
        store.read_journal(4)


def test_records_that_are_not_json_are_refused_and_nothing_is_written(store: Store) -> None:
    store.append_journal(1, {"n": 1})
    with pytest.raises(StoreError, match="JSON"):
        store.append_journal(1, {"when": object()})
    with pytest.raises(StoreError, match="JSON"):
        store.append_journal(1, {"cost_usd": float("nan")})
    assert store.read_journal(1) == [{"n": 1}]


def test_revision_numbers_start_at_one(store: Store) -> None:
    for bad in (0, -1, True):
        with pytest.raises(StoreError, match="revision numbers"):
            store.append_journal(bad, {"n": 1})


def test_a_closed_writer_refuses_appends(store: Store) -> None:
    writer = store.open_journal(1)
    writer.close()
    writer.close()
    with pytest.raises(StoreError, match="closed"):
        writer.append({"n": 1})


def test_parse_journal_reports_the_intact_prefix() -> None:
    data = b'{"a":1}\n\n{"b":2}\n{"c":'
    records, intact = parse_journal(data, "j")
    assert records == [{"a": 1}, {"b": 2}]
    assert data[:intact] == b'{"a":1}\n\n{"b":2}\n'
    assert parse_journal(b"", "j") == ([], 0)


def test_on_an_object_store_each_record_is_one_small_object_until_the_writer_closes(
    s3_store: Store,
) -> None:
    store = s3_store
    with store.open_journal(2) as writer:
        writer.append({"n": 1})
        writer.append({"n": 2, "text": "x" * 1000})
        names = store.fs.find(f"{store.root}/journal", detail=True)
        assert [info["size"] for info in names.values()] == [8, 1018]
    assert list(store.fs.find(f"{store.root}/journal")) == [journal_path(store, 2)]
    assert store.read_journal(2) == [{"n": 1}, {"n": 2, "text": "x" * 1000}]


def test_records_of_a_writer_that_never_closed_are_read_and_appended_after(store: Store) -> None:
    first = store.open_journal(5)
    first.append({"n": 1})
    first.append({"n": 2})  # killed here: never closed
    with store.open_journal(5) as second:
        second.append({"n": 3})
        assert store.read_journal(5) == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert store.read_journal(5) == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert store.list_journals() == [5]


def test_folding_leaves_one_journal_file_with_every_record(s3_store: Store) -> None:
    store = s3_store
    killed = store.open_journal(3)
    killed.append({"n": 1})
    killed.append({"n": 2})  # never closed
    store.append_journal(4, {"n": 1})
    store.close()

    assert store.fold_journals() == 1
    assert list(store.fs.find(f"{store.root}/journal")) == [
        journal_path(store, 3),
        journal_path(store, 4),
    ]
    assert store.read_journal(3) == [{"n": 1}, {"n": 2}]
    assert store.fold_journals() == 0
