"""``fsck`` for a store: hashes every object, reads every revision, HEAD and journal, looks at the
lock and leftover temp files, and says what it found; with ``repair`` it sets damaged files aside
under ``damaged/`` (never deleting them), points HEAD at the newest readable revision and removes
temp files, so the next build succeeds. What a revision's records mean is not checked here.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from moviebuild.errors import NewerFormatError, StoreError
from moviebuild.store.blobs import DAMAGED_DIR
from moviebuild.store.files import is_local_fs, join
from moviebuild.store.gc import delete_temp_files, find_temp_files
from moviebuild.store.store import Store
from moviebuild.store.transport import transport_errors


class FindingKind(StrEnum):
    """What fsck can find. Notes (``held-lock``, ``missing-blob``) need no repair."""

    DAMAGED_BLOB = "damaged-blob"
    DAMAGED_REVISION = "damaged-revision"
    BAD_HEAD = "bad-head"
    DAMAGED_JOURNAL = "damaged-journal"
    TEMP_FILE = "temp-file"
    STALE_LOCK = "stale-lock"
    HELD_LOCK = "held-lock"
    MISSING_BLOB = "missing-blob"
    WRONG_KIND = "wrong-kind"
    OUT_FILE = "out-file"  # a file of the movie folder's out/ (checked by the project layer)


NOTES = {FindingKind.HELD_LOCK, FindingKind.MISSING_BLOB}


@dataclass(frozen=True)
class Finding:
    """One thing found: its kind, where (a path in the store), what, and whether it was repaired."""

    kind: FindingKind
    where: str
    detail: str
    repaired: bool = False

    @property
    def is_problem(self) -> bool:
        return self.kind not in NOTES

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "where": self.where,
            "detail": self.detail,
            "repaired": self.repaired,
        }


@dataclass
class FsckReport:
    """Everything fsck looked at and found."""

    objects: int = 0
    revisions: int = 0
    journals: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def unrepaired(self) -> list[Finding]:
        return [f for f in self.findings if f.is_problem and not f.repaired]

    def to_json(self) -> dict[str, Any]:
        return {
            "objects": self.objects,
            "revisions": self.revisions,
            "journals": self.journals,
            "findings": [finding.to_json() for finding in self.findings],
            "problems": sum(f.is_problem for f in self.findings),
            "unrepaired": len(self.unrepaired),
        }


def check_store(store: Store, *, repair: bool) -> FsckReport:
    """Check everything in ``store``; with ``repair``, under the movie's lock, fix what can be."""
    report = FsckReport()
    if not repair:
        _check_shapes(store, report, repair=False)
        if not any(f.where == store.lock().path for f in report.findings):
            _check_lock(store, report)
        _check_contents(store, report, repair=False)
        return report
    lock_path = store.lock().path
    if _kind(lock_path) == "directory":
        # No build can hold a lock that is a folder, and the repair needs the lock.
        _wrong_kind(store, report, lock_path, "a folder", "the lock file", repair=True)
    with store.lock() as lock:
        if lock.takeover_message:
            report.findings.append(
                Finding(FindingKind.STALE_LOCK, lock.path, lock.takeover_message, repaired=True)
            )
        _check_contents(store, report, repair=True)
    return report


def _check_contents(store: Store, report: FsckReport, *, repair: bool) -> None:
    _refuse_newer_revisions(store)
    found = report.findings
    if repair:
        _check_shapes(store, report, repair=True)
    blobs = _check_objects(store, report, repair)
    good_revisions = _check_revisions(store, report, repair, blobs)
    head_moved = any(f.where == join(store.root, "HEAD") and f.repaired for f in found)
    _check_head(store, found, repair, good_revisions, head_moved)
    _check_journals(store, report, repair)
    for path in find_temp_files(store):
        found.append(
            Finding(FindingKind.TEMP_FILE, path, "a write that never finished", repaired=repair)
        )
    if repair:
        delete_temp_files(store)
        store.fold_journals()


def _refuse_newer_revisions(store: Store) -> None:
    """A NewerFormatError before anything is checked or moved: a revision a newer moviebuild
    wrote is not damaged, and setting it aside would roll HEAD back over real work."""
    for rev in store.list_revisions():
        try:
            store.read_manifest(rev)
        except NewerFormatError as exc:
            raise NewerFormatError(
                f"{exc.message}; fsck changed nothing",
                hint="upgrade moviebuild (pip install --upgrade moviebuild), then run fsck "
                     "again",
            ) from None
        except StoreError:
            continue  # damaged: the checks below find and report it


#: What each entry of a local store is: the files and folders at its top, then per folder the
#: names that must be files (a pattern) or folders. Names not listed are not moviebuild's.
_TOP_FILES = {"HEAD", "lock"}
_TOP_FOLDERS = {"objects", "journal", "revisions", "damaged", "cache"}
_MUST_BE_FILES = {
    "revisions": re.compile(r"[1-9][0-9]*\.json"),
    "journal": re.compile(r"[1-9][0-9]*\.jsonl"),
}
_SHARD = re.compile(r"[0-9a-f]{2}")


def _kind(path: str) -> str | None:
    """``file``, ``directory`` or None (absent) for a local path, links not followed."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None
    return "directory" if stat.S_ISDIR(mode) else "file"


def _check_shapes(store: Store, report: FsckReport, *, repair: bool) -> None:
    """Find entries of a local store that have the wrong kind (a file where a folder belongs,
    a folder where a blob, a manifest, HEAD or the lock belongs): every build that meets one
    fails, so repairing sets it aside."""
    if not is_local_fs(store.fs):
        return  # object stores have keys, not folders: a key and a prefix may share a name
    root = store.root
    for name in sorted(_TOP_FILES):
        if _kind(join(root, name)) == "directory":
            what = f"the {name} file"
            if name == "HEAD" and repair:
                what += " (HEAD is written again, naming the newest readable revision)"
            _wrong_kind(store, report, join(root, name), "a folder", what, repair)
    for name in sorted(_TOP_FOLDERS):
        if _kind(join(root, name)) == "file":
            _wrong_kind(store, report, join(root, name), "a file", f"the {name}/ folder", repair)
    for folder, pattern in _MUST_BE_FILES.items():
        for entry in _entries(join(root, folder)):
            if pattern.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False):
                what = "a revision" if folder == "revisions" else "a journal"
                _wrong_kind(store, report, entry.path, "a folder", what, repair)
    for entry in _entries(join(root, "objects")):
        if not _SHARD.fullmatch(entry.name):
            continue
        if not entry.is_dir(follow_symlinks=False):
            _wrong_kind(store, report, entry.path, "a file", "a folder of blobs", repair)
            continue
        for inner in _entries(entry.path):
            if inner.is_dir(follow_symlinks=False):
                _wrong_kind(store, report, inner.path, "a folder", "a blob file", repair)


def _entries(folder: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as found:
            return sorted(found, key=lambda entry: entry.name)
    except OSError:
        return []


def _wrong_kind(
    store: Store, report: FsckReport, path: str, found: str, belongs: str, repair: bool
) -> None:
    detail = f"{found} where {belongs} belongs; every build that needs it fails"
    if repair:
        detail += f"; moved to {_set_aside(store, [path])}"
    report.findings.append(Finding(FindingKind.WRONG_KIND, path, detail, repaired=repair))


def _check_lock(store: Store, report: FsckReport) -> None:
    lock = store.lock()
    held = lock.read_holder()
    if held is None:
        return
    _data, holder = held
    if lock.is_stale(holder):
        who = "unreadable" if holder is None else f"left by dead process {holder.pid}"
        detail = f"the lock is {who}; the next build takes it over"
        report.findings.append(Finding(FindingKind.STALE_LOCK, lock.path, detail))
    elif holder is not None:
        detail = f"process {holder.pid} on {holder.host} is building since {holder.started:%c}"
        report.findings.append(Finding(FindingKind.HELD_LOCK, lock.path, detail))


def _check_objects(store: Store, report: FsckReport, repair: bool) -> set[str]:
    """Hash every object; returns the digests still in place (all of them unless repairing)."""
    present: set[str] = set()
    for digest in list(store.blobs.list_blobs()):
        report.objects += 1
        actual = store.blobs.hash_blob(digest)
        if actual == digest or not repair:
            present.add(digest)
        if actual == digest:
            continue
        where = store.blobs.blob_path(digest)
        detail = f"its bytes hash to {actual}"
        if repair:
            detail += f"; moved to {store.blobs.set_aside(digest)}"
        report.findings.append(Finding(FindingKind.DAMAGED_BLOB, where, detail, repaired=repair))
    return present


def _check_revisions(
    store: Store, report: FsckReport, repair: bool, blobs: set[str]
) -> list[int]:
    good: list[int] = []
    for rev in store.list_revisions():
        report.revisions += 1
        path = join(store.root, "revisions", f"{rev}.json")
        try:
            payload = store.read_manifest(rev)
            jobs = payload.get("jobs")
            if not isinstance(jobs, dict) or not all(isinstance(e, dict) for e in jobs.values()):
                raise StoreError("its jobs are not an object of job records")
        except StoreError as exc:
            detail = exc.message
            if repair:
                detail += f"; moved to {_set_aside(store, [path])}"
            report.findings.append(
                Finding(FindingKind.DAMAGED_REVISION, path, detail, repaired=repair)
            )
            continue
        good.append(rev)
        for job, entry in sorted(jobs.items()):
            outputs = entry.get("outputs")
            for digest in (outputs or {}).values() if isinstance(outputs, dict) else ():
                if digest not in blobs:
                    detail = f"revision {rev}: {job}'s blob {digest} is missing; a build remakes it"
                    report.findings.append(Finding(FindingKind.MISSING_BLOB, path, detail))
    return good


def _check_head(
    store: Store, found: list[Finding], repair: bool, good: list[int], moved: bool
) -> None:
    where = join(store.root, "HEAD")
    try:
        head = store.read_head()
    except StoreError as exc:
        problem = exc.message
    else:
        if moved and head is None and good:
            store.write_head(good[-1])
            return  # the wrong-kind finding that moved it says so
        if head is None or head in good:
            return
        problem = f"HEAD names revision {head}, which is missing or damaged"
    if not repair:
        found.append(Finding(FindingKind.BAD_HEAD, where, problem))
        return
    if good:
        store.write_head(good[-1])
        problem += f"; HEAD now names revision {good[-1]}, the newest readable one"
    else:
        with transport_errors(f"could not remove {where}"), contextlib.suppress(FileNotFoundError):
            store.fs.rm_file(where)
        problem += "; removed it (no readable revision is left)"
    found.append(Finding(FindingKind.BAD_HEAD, where, problem, repaired=True))


def _check_journals(store: Store, report: FsckReport, repair: bool) -> None:
    for rev in store.list_journals():
        report.journals += 1
        try:
            store.read_journal(rev)
        except StoreError as exc:
            path = join(store.root, "journal", f"{rev}.jsonl")
            detail = exc.message
            if repair:
                paths = [path]
                with contextlib.suppress(FileNotFoundError):
                    paths += list(store.fs.find(path.removesuffix(".jsonl"), detail=False))
                detail += f"; moved to {_set_aside(store, paths)}"
            report.findings.append(
                Finding(FindingKind.DAMAGED_JOURNAL, path, detail, repaired=repair)
            )


def _set_aside(store: Store, paths: Iterable[str]) -> str:
    """Move files into a new folder under ``damaged/``, keeping their paths; returns the folder."""
    folder = join(store.root, DAMAGED_DIR, uuid.uuid4().hex[:8])
    root = store.root.rstrip("/") + "/"
    with transport_errors(f"could not move damaged files to {folder}"):
        for path in paths:
            target = join(folder, str(path).removeprefix(root))
            if is_local_fs(store.fs):
                os.makedirs(os.path.dirname(target), exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                store.fs.mv(str(path), target)
    return folder
