"""A server root on S3 (``s3://bucket/prefix``): each movie's store lives on S3 and its local movie
folder is only a cache, rebuilt from S3 on any host; tokens, the link-signing key and the list of
movies live on S3 too.

    <prefix>/tokens.json                        the token book (a PUT If-Match per change)
    <prefix>/signing.key                        the link-signing key (created by If-None-Match: *)
    <prefix>/tenants/<t>/index/<id>.yaml        the movie as created: its Moviefile, store: included
    <prefix>/tenants/<t>/movies/<id>/store/     the movie's store (the Moviefile's ``store:``)

A movie exists while its index object does (one listing of ``index/`` lists a tenant's movies).
Deleting removes the index object first, then the movie's prefix. A folder missing from the cache
is made from the index object, then the store's HEAD revision is checked out into it (its
Moviefile, prompt edits and ``out/``), so it matches what the last build used.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moviebuild.errors import ConfigError, StoreError, StoreFormatError
from moviebuild.project.changes import patch_moviefile_text
from moviebuild.project.folder_files import write_text_atomically
from moviebuild.server.root import TenantFolders, is_valid_name
from moviebuild.store.files import create_object, join
from moviebuild.store.transport import open_filesystem, transport_errors

_INDEX_SUFFIX = ".yaml"
#: How long a read of ``tokens.json`` is used before reading it again.
TOKENS_FRESH_S = 1.0


@dataclass(frozen=True)
class _TokenObject:
    """``tokens.json`` as last read: when, its ETag and text (both None: there was none)."""

    read_at: float
    etag: str | None
    text: str | None


def default_cache(url: str) -> Path:
    """The cache folder of root ``url`` on this host: under the user's cache directory."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    return Path(base) / "moviebuild" / "roots" / digest


class S3Root(TenantFolders):
    """Movies whose stores are on S3 under ``url``; ``cache`` holds their local folders and the
    server's per-movie build records and events (which stay on this host)."""

    def __init__(
        self, url: str, cache: Path | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.url = url.rstrip("/")
        self.cache = (cache or default_cache(self.url)).absolute()
        self.folders = self.cache
        self._fs: Any = None
        self._prefix = ""
        self._restoring = threading.Lock()
        self._clock = clock
        self._tokens: _TokenObject | None = None

    def describe(self) -> str:
        return self.url

    @property
    def fs(self) -> Any:
        if self._fs is None:
            self._fs, self._prefix = open_filesystem(self.url)
        return self._fs

    def _key(self, *parts: str) -> str:
        _ = self.fs
        return join(self._prefix, *parts)

    def _index_key(self, tenant: str, movie_id: str) -> str:
        return self._key("tenants", tenant, "index", movie_id + _INDEX_SUFFIX)

    def store_url(self, tenant: str, movie_id: str) -> str:
        """Where the movie's store lives: written into its Moviefile as ``store:``."""
        if not (is_valid_name(tenant) and is_valid_name(movie_id)):
            raise KeyError(movie_id)
        return f"{self.url}/tenants/{tenant}/movies/{movie_id}/store"

    def movie_exists(self, tenant: str, movie_id: str) -> bool:
        """Whether the movie exists; a movie on S3 missing from the cache is restored into it."""
        if not (is_valid_name(tenant) and is_valid_name(movie_id)):
            return False
        return self.has_movie_folder(tenant, movie_id) or self._restore(tenant, movie_id)

    def _restore(self, tenant: str, movie_id: str) -> bool:
        key = self._index_key(tenant, movie_id)
        with self._restoring:
            folder = self.movie_folder(tenant, movie_id)
            if (folder / "Moviefile.yaml").is_file():
                return True
            with transport_errors(f"could not read {self.url} (movie {movie_id})"):
                try:
                    text = self.fs.cat_file(key).decode("utf-8")
                except FileNotFoundError:
                    return False
            self._discard(folder)
            staging = folder.with_name(f".restoring-{movie_id}-{secrets.token_hex(4)}")
            staging.mkdir(parents=True)
            try:
                write_text_atomically(staging / "Moviefile.yaml", text)
                _check_out_head(staging)
                staging.rename(folder)
            except OSError:
                shutil.rmtree(staging, ignore_errors=True)
                if (folder / "Moviefile.yaml").is_file():
                    return True  # another process sharing this cache restored it first
                raise
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            return True

    def cached_folder(self, relative: str) -> Path:
        """The cached folder of the movie at ``relative`` (``tenants/<t>/movies/<id>``, as a
        server on this root names it to its workers), restored from S3 when this host has not
        cached it yet. It is brought to HEAD by the build that opens it (under the lock)."""
        parts = relative.split("/")
        if len(parts) != 4 or parts[0] != "tenants" or parts[2] != "movies":
            raise ConfigError(
                f"the movie {relative} is not a movie of the root {self.url}",
                hint="submit builds through `moviebuild serve --root` on the same S3 root",
            )
        tenant, movie_id = parts[1], parts[3]
        if not self.movie_exists(tenant, movie_id):
            raise ConfigError(
                f"the movie {movie_id} of tenant {tenant} is not in {self.url} (deleted?)",
                hint="check that the server and every worker use the same --root",
            )
        return self.movie_folder(tenant, movie_id)

    def check(self) -> None:
        """Read the root once (a listing), so that a wrong endpoint, missing credentials or a
        missing bucket are said at start, not at the first build."""
        bucket = self.url.removeprefix("s3://").split("/", 1)[0]
        with transport_errors(f"could not read {self.url}"):
            try:
                self.fs.ls(self._key("tenants"), refresh=True)
            except FileNotFoundError:
                if not self.fs.exists(bucket):
                    raise ConfigError(
                        f"{self.url}: there is no bucket {bucket}",
                        hint="create the bucket, or check the URL and AWS_ENDPOINT_URL",
                    ) from None

    def create_movie(self, tenant: str, movie_id: str, moviefile_text: str) -> Path:
        folder = self.movie_folder(tenant, movie_id)
        text = patch_moviefile_text(moviefile_text, {"store": self.store_url(tenant, movie_id)})
        with transport_errors(f"could not create movie {movie_id} in {self.url}"):
            create_object(self.fs, self._index_key(tenant, movie_id), text.encode("utf-8"))
        folder.mkdir(parents=True, exist_ok=False)
        write_text_atomically(folder / "Moviefile.yaml", text)
        from moviebuild.project.head_sync import note_held_revision

        note_held_revision(folder, None, cache=True)
        return folder

    def follow_head(self, tenant: str, movie_id: str) -> None:
        """Bring the cached folder to the store's HEAD when another host built since (one GET
        of HEAD when it has not); reads the store only."""
        from moviebuild.project.head_sync import follow_head, held_revision
        from moviebuild.project.movie import Movie

        folder = self.movie_folder(tenant, movie_id)
        head = self.head_revision(tenant, movie_id)
        if head is None or held_revision(folder)[0] == head:
            return
        movie = Movie.open(folder)
        with movie.open_store() as store:
            follow_head(movie, store, store.read_head())

    def listed_moviefile(self, tenant: str, movie_id: str) -> str | None:
        """The movie's Moviefile for a listing: the cached folder's, else the index object's;
        restores nothing."""
        cached = self.movie_folder(tenant, movie_id) / "Moviefile.yaml"
        with contextlib.suppress(OSError, UnicodeDecodeError):
            return cached.read_text(encoding="utf-8")
        with transport_errors(f"could not read {self.url} (movie {movie_id})"):
            try:
                return str(self.fs.cat_file(self._index_key(tenant, movie_id)).decode("utf-8"))
            except (FileNotFoundError, UnicodeDecodeError):
                return None

    def delete_movie(self, tenant: str, movie_id: str) -> None:
        movie_prefix = self._key("tenants", tenant, "movies", movie_id)
        with transport_errors(f"could not delete movie {movie_id} from {self.url}"):
            # The index object first: from then on the movie is neither listed nor restored.
            with contextlib.suppress(FileNotFoundError):
                self.fs.rm_file(self._index_key(tenant, movie_id))
            if self.fs.exists(movie_prefix):
                self.fs.rm(movie_prefix, recursive=True)
        for folder in (self.movie_folder(tenant, movie_id), self.records_folder(tenant, movie_id)):
            self._discard(folder)

    @staticmethod
    def _discard(folder: Path) -> None:
        if folder.exists():
            # Renamed first so a half-deleted folder is never opened.
            doomed = folder.with_name(f".deleted-{folder.name}-{secrets.token_hex(4)}")
            folder.rename(doomed)
            shutil.rmtree(doomed, ignore_errors=True)

    def list_movies(self, tenant: str) -> list[str]:
        if not is_valid_name(tenant):
            return []
        return self._listed(self._key("tenants", tenant, "index"))

    def head_revision(self, tenant: str, movie_id: str) -> int | None:
        """One GET of the store's HEAD on S3 (the cache may lag behind another host's build)."""
        from moviebuild.store import Store

        store_root = self._key("tenants", tenant, "movies", movie_id, "store")
        with contextlib.suppress(StoreFormatError):
            return Store(self.fs, store_root).read_head()
        return None

    def all_movies(self) -> Iterator[tuple[str, str]]:
        """The movies in this host's cache: only they can have builds this host left unfinished
        (their records are here), and a restart then restores nothing it does not need."""
        tenants = self.cache / "tenants"
        if not tenants.is_dir():
            return
        for tenant in sorted(p.name for p in tenants.iterdir() if is_valid_name(p.name)):
            movies = tenants / tenant / "movies"
            if movies.is_dir():
                for movie_id in sorted(p.name for p in movies.iterdir() if is_valid_name(p.name)):
                    yield tenant, movie_id

    def _listed(self, prefix: str) -> list[str]:
        """The movie ids of the index objects directly under ``prefix`` (one listing)."""
        with transport_errors(f"could not list {self.url}"):
            try:
                entries = self.fs.ls(prefix, detail=True, refresh=True)
            except FileNotFoundError:
                return []
        names = []
        for entry in entries:
            name = str(entry["name"]).rsplit("/", 1)[-1]
            if entry.get("type") == "file" and name.endswith(_INDEX_SUFFIX):
                movie_id = name.removesuffix(_INDEX_SUFFIX)
                if is_valid_name(movie_id):
                    names.append(movie_id)
        return sorted(names)

    def read_tokens(self) -> str | None:
        """The token book, read again once it is ``TOKENS_FRESH_S`` old (the server asks on
        every request): another process's revoke takes effect within that time."""
        if self._tokens is None or self._clock() - self._tokens.read_at >= TOKENS_FRESH_S:
            self._tokens = self._read_tokens()
        return self._tokens.text

    def _read_tokens(self) -> _TokenObject:
        key = self._key("tokens.json")
        read_at = self._clock()
        with transport_errors(f"could not read {self.url}/tokens.json"):
            try:
                # The ETag first: if a write lands between the two, ours is refused (never lost).
                etag = str(self.fs.info(key)["ETag"])
                data: bytes = self.fs.cat_file(key)
            except FileNotFoundError:
                return _TokenObject(read_at, None, None)
        return _TokenObject(read_at, etag, data.decode("utf-8"))

    def write_tokens(self, text: str) -> None:
        """Replace the version last read, and only that one (a conditional PUT)."""
        read = self._tokens or self._read_tokens()
        self._tokens = None
        conditions = {} if read.etag is None else {"IfMatch": read.etag}
        with transport_errors(f"could not write {self.url}/tokens.json"):
            try:
                create_object(self.fs, self._key("tokens.json"), text.encode(), **conditions)
            except FileExistsError:
                raise StoreError(
                    f"{self.url}/tokens.json changed while this change was being made",
                    hint="run the command again",
                ) from None

    def signing_key(self) -> bytes:
        """The key that signs asset links, made on first use by whichever server comes first."""
        key = self._key("signing.key")
        with transport_errors(f"could not read {self.url}/signing.key"):
            if not self.fs.exists(key):
                # Two servers starting at once: the first PUT wins, both read what it wrote.
                with contextlib.suppress(FileExistsError):
                    create_object(self.fs, key, secrets.token_hex(32).encode())
            data: bytes = self.fs.cat_file(key)
        return bytes.fromhex(data.decode("utf-8").strip())


def _check_out_head(folder: Path) -> None:
    """Bring ``folder`` (holding the Moviefile as created) to the store's HEAD revision: reads
    only, so it takes no lock and never writes HEAD (a build elsewhere may hold both)."""
    from moviebuild.project.head_sync import follow_head, note_held_revision
    from moviebuild.project.movie import Movie

    note_held_revision(folder, None, cache=True)
    movie = Movie.open(folder)
    if not movie.store_exists():
        return
    with movie.open_store() as store:
        follow_head(movie, store, store.read_head())


def open_s3_root(url: str, cache: Path | None) -> S3Root:
    """The S3 root at ``url``, checked to be ``s3://bucket[/prefix]`` with a usable prefix."""
    path = url.removeprefix("s3://").strip("/")
    if not path or any(part in ("", ".", "..") for part in path.split("/")):
        raise ConfigError(
            f"--root {url}: not a usable S3 location", hint="use s3://bucket or s3://bucket/prefix"
        )
    return S3Root(f"s3://{path}", cache)
