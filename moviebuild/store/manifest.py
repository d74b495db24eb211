"""Revision manifests (``revisions/<rev>.json``) and ``HEAD``: versioned, written atomically,
never overwritten. It owns the envelope ``{"format_version": ..., "written_by": "moviebuild X.Y",
**payload}`` and its checks; what the payload means belongs to the engine.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from importlib import metadata
from typing import Any

from moviebuild.errors import NewerFormatError, StoreError, StoreFormatError
from moviebuild.store.files import join, write_atomically
from moviebuild.store.transport import transport_errors

MANIFEST_FORMAT_VERSION = 1

#: What to do about a damaged revision: a hint that leads to a working movie.
REPAIR_HINT = (
    "`moviebuild fsck --repair` sets damaged files aside (nothing is deleted) and points HEAD at "
    "the newest readable revision; finished work stays reusable, so the next build repays nothing"
)
_MANIFEST_NAME = re.compile(r"([1-9][0-9]*)\.json")


def check_revision(rev: int) -> int:
    """``rev`` itself when it is a revision number (a whole number from 1), else a StoreError."""
    if type(rev) is not int or rev < 1:
        raise StoreError(f"revision numbers are whole numbers from 1, got {rev!r}")
    return rev


def list_numbered(fs: Any, folder: str, name: re.Pattern[str]) -> list[int]:
    """The sorted numbers of the files in ``folder`` whose names match ``name`` (group 1)."""
    names: list[str] = []
    with transport_errors(f"could not list {folder}"):
        try:
            names = fs.ls(folder, detail=False, refresh=True)
        except (FileNotFoundError, NotADirectoryError):
            return []  # a file in the folder's place holds nothing; fsck --repair sets it aside
    matches = (name.fullmatch(path.rsplit("/", 1)[-1]) for path in names)
    return sorted({int(match[1]) for match in matches if match})


#: Envelope keys beside the payload.
_ENVELOPE = ("format_version", "written_by")


@functools.cache
def writer() -> str:
    """Who writes manifests: ``moviebuild X.Y.Z`` (recorded so a reader can name the release
    it would need)."""
    try:
        return f"moviebuild {metadata.version('moviebuild')}"
    except metadata.PackageNotFoundError:
        return "moviebuild (unknown version)"


def newer_writer(document: Any, current: int) -> str | None:
    """Who wrote ``document`` when its format is newer than ``current`` (``a newer moviebuild``
    when it does not say), else None."""
    if not isinstance(document, dict):
        return None
    version = document.get("format_version")
    if type(version) is not int or version <= current:
        return None
    written_by = document.get("written_by")
    return written_by[:80] if isinstance(written_by, str) and written_by else "a newer moviebuild"


def check_format_version(document: Any, current: int, what: str) -> dict[str, Any]:
    """``document`` minus its envelope when its format is ``current``; else a clear error."""
    if not isinstance(document, dict) or type(document.get("format_version")) is not int:
        raise StoreFormatError(
            f"{what} has no format_version, so it was not written by moviebuild",
            hint=REPAIR_HINT,
        )
    version: int = document["format_version"]
    newer = newer_writer(document, current)
    if newer is not None:
        raise NewerFormatError(
            f"{what} was written by {newer} (format {version}; {writer()} reads "
            f"{current}); upgrade",
            hint="upgrade moviebuild: pip install --upgrade moviebuild",
        )
    if version < current:
        raise StoreFormatError(
            f"{what} was written by an older moviebuild (format {version}; this one reads "
            f"{current}) and no conversion exists yet",
            hint="use the moviebuild release that wrote it, or move the file out of the store",
        )
    return {key: value for key, value in document.items() if key not in _ENVELOPE}


class Revisions:
    """The ``revisions/`` folder and ``HEAD`` of one store root.

    Invariants: a manifest, once visible, is complete and never changes; ``HEAD`` holds the
    number of an existing manifest, or is absent (no build has finished yet).
    """

    def __init__(self, fs: Any, root: str) -> None:
        self._fs = fs
        self._root = root
        self._folder = join(root, "revisions")
        self._head = join(root, "HEAD")
        self._raw: dict[int, bytes] = {}  # manifests never change once written

    def select_head(self, variant: str | None) -> None:
        """Read and write the current revision of ``variant`` (``heads/<variant>``) from now
        on; None: the base movie's ``HEAD``. Variants share revisions and blobs, not HEAD."""
        self._head = join(self._root, "heads", variant) if variant else join(self._root, "HEAD")

    def current_revisions(self) -> set[int]:
        """The current revision of the base movie and of every variant (``heads/*``)."""
        chosen = self._head
        heads = join(self._root, "heads")
        with transport_errors(f"could not list {heads}"):
            try:
                names = [p.rsplit("/", 1)[-1] for p in self._fs.ls(heads, detail=False)]
            except (FileNotFoundError, NotADirectoryError):
                names = []
        found: set[int] = set()
        try:
            for variant in [None, *names]:
                self.select_head(variant)
                rev = self.read_head()
                if rev is not None:
                    found.add(rev)
        finally:
            self._head = chosen
        return found

    def manifest_path(self, rev: int) -> str:
        """The fsspec path of revision ``rev``'s manifest."""
        return join(self._folder, f"{check_revision(rev)}.json")

    def write_manifest(self, rev: int, payload: Mapping[str, Any]) -> None:
        """Write revision ``rev`` once; a second write of the same revision is a StoreError."""
        path = self.manifest_path(rev)
        if any(key in payload for key in _ENVELOPE):
            raise StoreError(f"revision {rev}: the payload may not set {'/'.join(_ENVELOPE)}")
        document = {"format_version": MANIFEST_FORMAT_VERSION, "written_by": writer(), **payload}
        try:
            text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"revision {rev} cannot be saved as JSON: {exc}") from exc
        with transport_errors(f"could not write {path}"):
            try:
                data = (text + "\n").encode()
                write_atomically(self._fs, path, data, overwrite=False)
                self._raw[rev] = data
            except FileExistsError as exc:
                raise StoreError(
                    f"revision {rev} already exists and revisions are never changed",
                    hint="write the next revision (Store.next_revision()) instead",
                ) from exc

    def read_manifest(self, rev: int) -> dict[str, Any]:
        """The payload written for revision ``rev`` (without the ``format_version`` envelope)."""
        path = self.manifest_path(rev)
        raw = self._raw.get(rev)
        if raw is None:
            with transport_errors(f"could not read {path}"):
                try:
                    raw = self._fs.cat_file(path)
                except FileNotFoundError as exc:
                    raise StoreError(
                        f"revision {rev} does not exist",
                        hint="`moviebuild log` lists the revisions; if HEAD names it, "
                        + REPAIR_HINT,
                    ) from exc
        try:
            document = json.loads(raw)
        except (UnicodeDecodeError, ValueError) as exc:
            raise StoreFormatError(
                f"{path} is not valid JSON ({exc}); the file is damaged",
                hint=REPAIR_HINT,
            ) from exc
        what = f"revision {rev} ({path})"
        payload = check_format_version(document, MANIFEST_FORMAT_VERSION, what)
        self._raw[rev] = raw
        return payload

    def has_manifest(self, rev: int) -> bool:
        """Whether revision ``rev`` has been written."""
        path = self.manifest_path(rev)
        with transport_errors(f"could not check {path}"):
            return bool(self._fs.exists(path))

    def list_revisions(self) -> list[int]:
        """The numbers of all written revisions, ascending."""
        return list_numbered(self._fs, self._folder, _MANIFEST_NAME)

    def read_head(self) -> int | None:
        """The current revision, or None when no build has finished yet."""
        with transport_errors(f"could not read {self._head}"):
            try:
                raw: bytes = self._fs.cat_file(self._head)
            except FileNotFoundError:
                return None
        text = raw.decode("utf-8", errors="replace").strip()
        if not (text.isascii() and text.isdigit()) or int(text) < 1:
            raise StoreFormatError(
                f"{self._head} should hold a revision number, not {text[:40]!r}",
                hint="write the number of an existing revision into it, or delete it",
            )
        return int(text)

    def write_head(self, rev: int) -> None:
        """Make ``rev`` (which must already be written) the current revision."""
        if rev not in self._raw and not self.has_manifest(rev):
            raise StoreError(f"HEAD cannot point at revision {rev}: it has not been written")
        with transport_errors(f"could not write {self._head}"):
            if self._head != join(self._root, "HEAD"):
                self._fs.makedirs(self._head.rsplit("/", 1)[0], exist_ok=True)
            write_atomically(self._fs, self._head, f"{rev}\n".encode(), overwrite=True)
