"""Where a server keeps its movies: ``ROOT/tenants/<tenant>/movies/<id>/`` (a movie folder the
CLI can open) plus the server's own records (tokens, the link-signing key, per-movie build
records and events). ``MovieRoot`` is the interface; ``LocalRoot`` the local-folder one
(``s3root.S3Root`` the S3 one; ``root_location.open_root`` picks one). Every tenant and movie id
is checked here before it becomes part of a path.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from moviebuild.errors import ConfigError
from moviebuild.project.folder_files import write_secret_atomically, write_text_atomically

#: Tenant names and movie ids: lower-case letters, digits and dashes, starting with one of the
#: first two. Nothing else ever reaches the file system (no ``..``, slashes, NUL or dots).
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def is_valid_name(text: str) -> bool:
    """Whether ``text`` may name a tenant or a movie."""
    return _NAME.fullmatch(text) is not None


def check_tenant(name: str) -> str:
    if not is_valid_name(name):
        raise ConfigError(
            f"{name!r} cannot name a tenant",
            hint="use lower-case letters, digits and dashes (at most 63), e.g. acme-films",
        )
    return name


def folder_head_revision(folder: Path) -> int | None:
    """The revision of a movie folder whose store is in the folder, else None."""
    head = folder / ".moviebuild" / "HEAD"
    with contextlib.suppress(OSError, ValueError):
        return int(head.read_text().strip())
    return None


class MovieRoot(Protocol):
    """What the server needs from the place movies live. A movie is always opened from a local
    folder (the CLI's unit); a remote root keeps that folder as a cache over its own store."""

    def describe(self) -> str: ...

    def tenant_folder(self, tenant: str) -> Path:
        """Where the server keeps a tenant's own settings (its webhook)."""
        ...

    def movie_folder(self, tenant: str, movie_id: str) -> Path: ...

    def records_folder(self, tenant: str, movie_id: str) -> Path: ...

    def movie_exists(self, tenant: str, movie_id: str) -> bool: ...

    def create_movie(self, tenant: str, movie_id: str, moviefile_text: str) -> Path: ...

    def delete_movie(self, tenant: str, movie_id: str) -> None: ...

    def list_movies(self, tenant: str) -> list[str]: ...

    def head_revision(self, tenant: str, movie_id: str) -> int | None:
        """The movie's current revision (for listings), None when unbuilt or unreadable."""
        ...

    def listed_moviefile(self, tenant: str, movie_id: str) -> str | None:
        """The movie's Moviefile text for a listing, without restoring anything."""
        ...

    def follow_head(self, tenant: str, movie_id: str) -> None:
        """Bring the movie's folder to its store's HEAD (a no-op when the store is in it)."""
        ...

    def all_movies(self) -> Iterator[tuple[str, str]]:
        """Every movie whose server records are on this host (what a restart resumes)."""
        ...

    def read_tokens(self) -> str | None: ...

    def write_tokens(self, text: str) -> None: ...

    def signing_key(self) -> bytes: ...


class TenantFolders:
    """The folder layout every root keeps locally under ``folders``: ``tenants/<t>/movies/<id>``
    (the movie folder) and ``tenants/<t>/records/<id>`` (the server's build records). Names are
    checked before they reach a path (KeyError otherwise)."""

    folders: Path

    def _tenant(self, tenant: str) -> Path:
        if not is_valid_name(tenant):
            raise KeyError(tenant)
        return self.folders / "tenants" / tenant

    def tenant_folder(self, tenant: str) -> Path:
        return self._tenant(tenant)

    def movie_folder(self, tenant: str, movie_id: str) -> Path:
        if not is_valid_name(movie_id):
            raise KeyError(movie_id)
        return self._tenant(tenant) / "movies" / movie_id

    def records_folder(self, tenant: str, movie_id: str) -> Path:
        if not is_valid_name(movie_id):
            raise KeyError(movie_id)
        return self._tenant(tenant) / "records" / movie_id

    def has_movie_folder(self, tenant: str, movie_id: str) -> bool:
        if not (is_valid_name(tenant) and is_valid_name(movie_id)):
            return False
        return (self.movie_folder(tenant, movie_id) / "Moviefile.yaml").is_file()


class LocalRoot(TenantFolders):
    """Movies in a local folder; the default, needing nothing else installed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.folders = path

    def describe(self) -> str:
        return str(self.path)

    def movie_exists(self, tenant: str, movie_id: str) -> bool:
        return self.has_movie_folder(tenant, movie_id)

    def create_movie(self, tenant: str, movie_id: str, moviefile_text: str) -> Path:
        folder = self.movie_folder(tenant, movie_id)
        folder.mkdir(parents=True, exist_ok=False)
        write_text_atomically(folder / "Moviefile.yaml", moviefile_text)
        return folder

    def delete_movie(self, tenant: str, movie_id: str) -> None:
        for folder in (self.movie_folder(tenant, movie_id), self.records_folder(tenant, movie_id)):
            if folder.exists():
                # Renamed first so a half-deleted movie is never listed or opened.
                doomed = folder.with_name(f".deleted-{folder.name}-{secrets.token_hex(4)}")
                folder.rename(doomed)
                shutil.rmtree(doomed, ignore_errors=True)

    def list_movies(self, tenant: str) -> list[str]:
        movies = self._tenant(tenant) / "movies"
        if not movies.is_dir():
            return []
        return sorted(
            p.name for p in movies.iterdir() if is_valid_name(p.name) and p.is_dir()
        )

    def head_revision(self, tenant: str, movie_id: str) -> int | None:
        return folder_head_revision(self.movie_folder(tenant, movie_id))

    def listed_moviefile(self, tenant: str, movie_id: str) -> str | None:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            path = self.movie_folder(tenant, movie_id) / "Moviefile.yaml"
            return path.read_text(encoding="utf-8")
        return None

    def follow_head(self, tenant: str, movie_id: str) -> None:
        return None  # the store is in the folder: the folder is always at HEAD

    def all_movies(self) -> Iterator[tuple[str, str]]:
        tenants = self.path / "tenants"
        if not tenants.is_dir():
            return
        for tenant in sorted(p.name for p in tenants.iterdir() if is_valid_name(p.name)):
            for movie_id in self.list_movies(tenant):
                yield tenant, movie_id

    def read_tokens(self) -> str | None:
        path = self.path / "tokens.json"
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def write_tokens(self, text: str) -> None:
        write_secret_atomically(self.path / "tokens.json", text)

    def signing_key(self) -> bytes:
        """The key that signs asset links, made on first use; links survive restarts."""
        path = self.path / "signing.key"
        if not path.is_file():
            write_secret_atomically(path, secrets.token_hex(32))
        return bytes.fromhex(path.read_text(encoding="utf-8").strip())
