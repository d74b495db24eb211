"""Revisions over time: ``log``, ``diff`` between two revisions, ``checkout`` of an earlier one
(without calling anything), and ``gc`` of blobs no revision references."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from moviebuild.config.numbers import ascii_number
from moviebuild.engine.keys import content_digest
from moviebuild.errors import ConfigError, StoreError
from moviebuild.project.folder import MovieFolder
from moviebuild.project.head_sync import snapshot_differences
from moviebuild.project.records import RevisionRecord, read_events, read_revision
from moviebuild.project.reports import RevisionEntry
from moviebuild.store import Store

if TYPE_CHECKING:
    from moviebuild.project.revision_changes import RevisionChanges
    from moviebuild.project.spent import Restored
from moviebuild.store.gc import (
    delete_blobs,
    delete_temp_files,
    find_temp_files,
    find_unreferenced_blobs,
)


def _require_store(movie: MovieFolder) -> Store:
    if not movie.store_exists():
        raise StoreError(f"{movie.folder} has not been built yet", hint="run `moviebuild` first")
    return movie.open_store()


def parse_revision(text: int | str) -> int:
    """A revision as ``log`` prints it (``r3``) or as a number (``3``)."""
    if isinstance(text, int) and not isinstance(text, bool) and text >= 1:
        return text
    digits = str(text).strip().removeprefix("r").removeprefix("R")
    number = ascii_number(digits, max_digits=9)
    if number is not None and number >= 1:
        return number
    raise ConfigError(
        f"'{text}' is not a revision", hint="name one as `moviebuild log` prints it, e.g. r3"
    )


def revision_log(movie: MovieFolder) -> list[RevisionEntry]:
    """Every revision of this movie (or variant), oldest first, with what changed since the one
    before it."""
    from moviebuild.project.revision_changes import revision_changes

    with _require_store(movie) as store:
        head = store.read_head()
        entries = []
        previous: RevisionRecord | None = None
        for rev in store.list_revisions():
            record = read_revision(store, rev)
            if record.variant != movie.variant:
                continue  # another variant's revisions are in the same store
            summary = record.summary
            changes = revision_changes(None, previous, record).summary()
            previous = record
            entries.append(
                RevisionEntry(
                    revision=rev,
                    name=f"r{rev}",
                    created=record.created,
                    current=rev == head,
                    calls=summary.calls,
                    ran=dict(summary.ran),
                    reused=summary.reused,
                    failed=len(summary.failed),
                    blocked=len(summary.blocked),
                    interrupted=record.interrupted,
                    spent_usd=summary.cost_usd,
                    changes=changes,
                )
            )
    return entries


def diff_revisions(movie: MovieFolder, first: int | str, second: int | str) -> dict[str, Any]:
    """Inputs, overrides and artifacts that differ between two revisions."""
    first, second = parse_revision(first), parse_revision(second)
    with _require_store(movie) as store:
        old, new = _revision(store, first), _revision(store, second)
    inputs = {
        name: {"old": old.moviefile.get(name), "new": new.moviefile.get(name)}
        for name in sorted(set(old.moviefile) | set(new.moviefile))
        if old.moviefile.get(name) != new.moviefile.get(name)
    }
    overrides = {}
    for artifact_id in sorted(set(old.overrides) | set(new.overrides)):
        before, after = old.overrides.get(artifact_id), new.overrides.get(artifact_id)
        if (before and before.digest) != (after and after.digest):
            overrides[str(artifact_id)] = {
                "old": (before.file or before.text) if before else None,
                "new": (after.file or after.text) if after else None,
            }
    old_art, new_art = old.outputs(), new.outputs()
    artifacts = {
        str(a): {"old": old_art.get(a), "new": new_art.get(a)}
        for a in sorted(set(old_art) | set(new_art))
        if old_art.get(a) != new_art.get(a)
    }
    return {
        "from": first,
        "to": second,
        "inputs": inputs,
        "overrides": overrides,
        "artifacts": artifacts,
    }


def describe_diff(movie: MovieFolder, first: int | str, second: int | str) -> RevisionChanges:
    """What ``second`` changed since ``first``, as people read it (see revision_changes.py)."""
    from moviebuild.project.revision_changes import revision_changes

    with _require_store(movie) as store:
        old, new = _revision(store, parse_revision(first)), _revision(store, parse_revision(second))
        return revision_changes(store, old, new)


def _revision(store: Store, rev: int) -> RevisionRecord:
    if rev not in store.list_revisions():
        raise StoreError(f"there is no revision r{rev}", hint="`moviebuild log` lists revisions")
    return read_revision(store, rev)


def unbuilt_edits(movie: MovieFolder, store: Store) -> list[str]:
    """The inputs in the folder (Moviefile fields, prompt edits) that no revision was built
    from; empty when some revision was built from exactly these inputs."""
    snapshot = movie.read_snapshot()
    fields = snapshot.moviefile.model_dump(mode="json")
    # Compared by digest: a text edit and your own media file alike.
    texts = {a: content_digest(v) for a, v in snapshot.overrides.items()}
    head = store.read_head()
    nearest: RevisionRecord | None = None
    for rev in store.list_revisions():
        record = read_revision(store, rev)
        built = {a: o.digest for a, o in record.overrides.items()}
        if dict(record.moviefile) == fields and built == texts:
            return []
        if rev == head:
            nearest = record
    return [] if nearest is None else snapshot_differences(snapshot, nearest)


def checkout_revision(movie: MovieFolder, rev: int, *, force: bool = False) -> Restored:
    """Make ``rev`` current: HEAD, the Moviefile, the prompt edits and ``out/`` as they were;
    calls nothing. Refuses when the folder holds edits no revision has built, unless ``force``.
    Returns what the paid outputs it made current again had cost: saved, not spent."""
    from moviebuild.project.head_sync import note_held_revision, write_revision_to_folder
    from moviebuild.project.spent import restored_from_store

    with _require_store(movie) as store, store.lock():
        _revision(store, rev)
        if not force:
            unbuilt = unbuilt_edits(movie, store)
            if unbuilt:
                raise ConfigError(
                    f"checkout r{rev} would discard edits no revision has built: "
                    + ", ".join(unbuilt),
                    hint="build them first (`moviebuild`), or `checkout --force` to drop them",
                )
        store.write_head(rev)
        write_revision_to_folder(movie, store, rev)
        if not store.is_local:
            note_held_revision(movie.folder, rev)
        return restored_from_store(store, rev)


def collect_garbage(
    movie: MovieFolder, *, dry_run: bool, keep_revisions: int | None = None
) -> dict[str, Any]:
    """Blobs no kept revision (nor an unfinished build's journal) references; deleted unless
    dry run. Every revision is kept unless ``keep_revisions`` keeps only the newest N (and
    every current one, the variants' included): older revisions stay in ``log`` and ``cost``
    but their media may go. The answer says how much of what would go was paid for, and what
    it cost."""
    from moviebuild.project.records import JobEnded

    if keep_revisions is not None and keep_revisions < 1:
        raise ConfigError(f"--keep-revisions {keep_revisions} would keep no revision",
                          hint="keep at least 1 (the current revision is always kept)")
    with _require_store(movie) as store, store.lock():
        referenced: set[str] = set()
        revisions = sorted(store.list_revisions())
        kept = set(revisions if keep_revisions is None else revisions[-keep_revisions:])
        # The current revision of every variant too: they share the store's blobs.
        kept |= store.current_revisions()
        records = {rev: read_revision(store, rev) for rev in revisions}
        for rev in kept:
            referenced |= set(records[rev].outputs().values())
        oldest_kept = min(kept, default=0)
        for rev in store.list_journals():
            if rev not in records and rev >= oldest_kept:
                events, _notices = read_events(store, rev)
                for event in events:
                    if isinstance(event, JobEnded):
                        referenced |= set(event.record.outputs.values())
        unreferenced = find_unreferenced_blobs(store, referenced)
        paid_blobs, paid_usd = _paid_media(records.values(), set(unreferenced))
        sizes = sum(store.blobs.blob_size(d) for d in unreferenced)
        freed = 0 if dry_run else delete_blobs(store, unreferenced)
        temp_files = len(find_temp_files(store))
        freed += 0 if dry_run else delete_temp_files(store)
        if not dry_run:
            store.fold_journals()
    return {
        "unreferenced": len(unreferenced),
        "bytes": sizes,
        "paid_blobs": paid_blobs,
        "paid_usd": round(paid_usd, 6),
        "kept_revisions": sorted(kept),
        "temp_files": temp_files,
        "freed_bytes": freed,
        "dry_run": dry_run,
    }


def _paid_media(records: Iterable[RevisionRecord], removed: set[str]) -> tuple[int, float]:
    """How many of ``removed`` a paid call made, and what those calls billed (each call once,
    however many of its outputs go)."""
    from moviebuild.project.spent import paid_calls

    records = list(records)
    paid = paid_calls(records)
    blobs: set[str] = set()
    calls: set[str] = set()
    for record in records:
        for job in record.jobs.values():
            gone = removed & set(job.outputs.values())
            if gone and job.key in paid:
                blobs |= gone
                calls.add(str(job.key))
    return len(blobs), sum(paid[key] for key in calls)
