"""The store: where one movie's blobs, journals, revisions, HEAD and lock live, reached only
through fsspec (this package is fsspec's one home), so a local folder and ``s3://bucket/prefix``
run the same code. It persists bytes and JSON; what the JSON means is the engine's business.

    <root>/
      store.json                 {"format_version": 1}: the version of this layout
      objects/ab/<digest>.<ext>  blobs named by the xxh3-128 hex digest of their bytes; immutable
      journal/<rev>.jsonl        one JSON object per line, appended and fsynced per record
      revisions/<rev>.json       {"format_version": 1, ...payload}: written once, never changed
      HEAD                       the current revision number, as text
      lock                       {"pid", "host", "started"} of the build in progress
      damaged/                   objects and files found damaged, set aside (never deleted)
      cache/verified.json        local blob files hashed and found intact, keyed by their stat
      **/.tmp-<hex>              a write that never finished: ignored, removed by gc

On object stores (s3://) there are no temp files: a PUT is atomic, journal records are small
objects ``journal/<rev>/<seq>.json`` until the writer folds them into ``<rev>.jsonl``.
``transport`` opens file systems and translates their failures, ``files`` writes whole-or-nothing,
``cache`` remembers verified files and keeps local copies of a remote store's blobs, ``fsck``
checks everything.
"""

from moviebuild.store.blobs import BlobStore
from moviebuild.store.gc import (
    delete_blobs,
    delete_temp_files,
    find_temp_files,
    find_unreferenced_blobs,
)
from moviebuild.store.journal import Journal, JournalWriter
from moviebuild.store.lock import LockHolder, MovieLock
from moviebuild.store.manifest import MANIFEST_FORMAT_VERSION, Revisions
from moviebuild.store.store import STORE_FORMAT_VERSION, Store, open_existing_store, open_store

__all__ = [
    "MANIFEST_FORMAT_VERSION",
    "STORE_FORMAT_VERSION",
    "BlobStore",
    "Journal",
    "JournalWriter",
    "LockHolder",
    "MovieLock",
    "Revisions",
    "Store",
    "delete_blobs",
    "delete_temp_files",
    "find_temp_files",
    "find_unreferenced_blobs",
    "open_existing_store",
    "open_store",
]
