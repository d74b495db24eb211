"""Revisions over time: ``log``, ``diff`` between two revisions, ``checkout`` of an earlier one
(without calling anything), and ``gc`` of blobs no revision references."""

from __future__ import annotations

from typing import Any

from moviebuild.errors import StoreError
from moviebuild.project.movie import Movie
from moviebuild.store import Store
from moviebuild.store.gc import (
    delete_blobs,
    delete_temp_files,
    find_temp_files,
    find_unreferenced_blobs,
)


def _require_store(movie: Movie) -> Store:
    if not movie.store_exists():
        raise StoreError(f"{movie.folder} has not been built yet", hint="run `moviebuild` first")
    return movie.open_store()


def revision_log(movie: Movie) -> list[dict[str, Any]]:
    store = _require_store(movie)
    head = store.read_head()
    entries = []
    for rev in store.list_revisions():
        manifest = store.read_manifest(rev)
        summary = manifest.get("summary", {})
        entries.append(
            {
                "revision": rev,
                "created": manifest.get("created"),
                "current": rev == head,
                "calls": sum(summary.get("ran", {}).values()),
                "ran": summary.get("ran", {}),
                "reused": summary.get("reused", 0),
                "failed": len(summary.get("failed", [])),
                "blocked": len(summary.get("blocked", [])),
                "interrupted": bool(manifest.get("interrupted")),
            }
        )
    return entries


def diff_revisions(movie: Movie, first: int, second: int) -> dict[str, Any]:
    store = _require_store(movie)
    old, new = _manifest(store, first), _manifest(store, second)
    old_fields, new_fields = old.get("moviefile", {}), new.get("moviefile", {})
    inputs = {
        name: {"old": old_fields.get(name), "new": new_fields.get(name)}
        for name in sorted(set(old_fields) | set(new_fields))
        if old_fields.get(name) != new_fields.get(name)
    }
    old_over = {k: v["digest"] for k, v in old.get("overrides", {}).items()}
    new_over = {k: v["digest"] for k, v in new.get("overrides", {}).items()}
    overrides = sorted(
        k for k in set(old_over) | set(new_over) if old_over.get(k) != new_over.get(k)
    )
    old_art, new_art = _artifacts(old), _artifacts(new)
    artifacts = {
        name: {"old": old_art.get(name), "new": new_art.get(name)}
        for name in sorted(set(old_art) | set(new_art))
        if old_art.get(name) != new_art.get(name)
    }
    return {
        "from": first,
        "to": second,
        "inputs": inputs,
        "overrides": overrides,
        "artifacts": artifacts,
    }


def _manifest(store: Store, rev: int) -> dict[str, Any]:
    if rev not in store.list_revisions():
        raise StoreError(f"there is no revision {rev}", hint="`moviebuild log` lists revisions")
    return store.read_manifest(rev)


def _artifacts(manifest: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for record in manifest.get("jobs", {}).values():
        found.update(record.get("outputs") or {})
    return found


def checkout_revision(movie: Movie, rev: int) -> None:
    """Make ``rev`` current: HEAD, the Moviefile and the prompt edits as they were; no calls."""
    from moviebuild.project.prompts import PromptState, write_prompt_files

    store = _require_store(movie)
    with store, store.lock():
        manifest = _manifest(store, rev)
        store.write_head(rev)
        text = manifest.get("moviefile_text")
        if text:
            (movie.folder / "Moviefile.yaml").write_text(text, encoding="utf-8")
        PromptState({}, {}).save(movie.folder)
        restored = Movie.open(movie.folder)
        write_prompt_files(restored, store, dict(_artifact_ids(restored, manifest)))
    edits = {
        k: v["text"]
        for k, v in manifest.get("overrides", {}).items()
        if k != "MusicPrompt" or not Movie.open(movie.folder).moviefile.music_prompt
    }
    from moviebuild.graph import parse_node_id
    from moviebuild.project.prompts import write_slots

    write_slots(movie.folder, {parse_node_id(k): v for k, v in edits.items()})


def _artifact_ids(movie: Movie, manifest: dict[str, Any]) -> list[tuple[Any, str]]:
    from moviebuild.graph import parse_node_id

    pairs = []
    for name, digest in _artifacts(manifest).items():
        artifact_id = parse_node_id(name)
        if artifact_id in movie.graph.artifacts:
            pairs.append((artifact_id, digest))
    return pairs


def collect_garbage(movie: Movie, *, dry_run: bool) -> dict[str, Any]:
    """Blobs no revision (nor an unfinished build's journal) references; deleted unless dry run."""
    store = _require_store(movie)
    with store, store.lock():
        referenced: set[str] = set()
        revisions = set(store.list_revisions())
        for rev in revisions:
            manifest = store.read_manifest(rev)
            referenced |= set(_artifacts(manifest).values())
        for rev in store.list_journals():
            if rev not in revisions:
                for record in store.read_journal(rev):
                    referenced |= set((record.get("outputs") or {}).values())
        unreferenced = find_unreferenced_blobs(store, referenced)
        sizes = sum(store.blobs.blob_size(d) for d in unreferenced)
        freed = 0 if dry_run else delete_blobs(store, unreferenced)
        temp_files = len(find_temp_files(store))
        freed += 0 if dry_run else delete_temp_files(store)
        if not dry_run:
            store.fold_journals()
    return {
        "unreferenced": len(unreferenced),
        "bytes": sizes,
        "temp_files": temp_files,
        "freed_bytes": freed,
        "dry_run": dry_run,
    }
