"""``moviebuild.connect(url, token)``: movies on a ``moviebuild serve`` that answer ``plan``,
``build``, ``state``, ``log`` and ``checkout`` like local ones. Synchronous, over the standard
library's HTTP client (no event loop needed); the server's problems become the usual errors.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moviebuild.errors import ConfigError, MovieBuildError, StoreError

if TYPE_CHECKING:
    from moviebuild.project.changes import Changes
    from moviebuild.project.events import BuildEvent, EventCallback
    from moviebuild.project.reports import BuildReport, PlanReport, RevisionEntry
    from moviebuild.project.state import MovieState
    from moviebuild.server.models import BuildDocument, MovieSummary


def connect(url: str | None = None, token: str | None = None) -> RemoteServer:
    """The server at ``url`` (default ``MOVIEBUILD_SERVER``) as tenant of ``token`` (default
    ``MOVIEBUILD_TOKEN``)."""
    url = url or os.environ.get("MOVIEBUILD_SERVER")
    token = token or os.environ.get("MOVIEBUILD_TOKEN")
    if not url:
        raise ConfigError(
            "no server given", hint="pass a URL or set MOVIEBUILD_SERVER=http://host:8080"
        )
    if not token:
        raise ConfigError(
            f"no token for {url}",
            hint="set MOVIEBUILD_TOKEN (`moviebuild token create TENANT` on the server makes one)",
        )
    return RemoteServer(url.rstrip("/"), token)


class RemoteServer:
    """One tenant's view of a server."""

    def __init__(self, url: str, token: str, timeout_s: float = 60.0) -> None:
        self.url = url
        self._token = token
        self.timeout_s = timeout_s

    def __repr__(self) -> str:
        return f"RemoteServer({self.url!r})"  # never the token

    def request(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        """The JSON answer of ``method path``; problems raise ``ConfigError`` (422) or
        ``StoreError`` (refused or unreachable, exit 3)."""
        with self._open(method, path, body, headers) as response:
            data = response.read()
        return json.loads(data) if data else None

    def _open(self, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
        raw = isinstance(body, bytes)  # a file's bytes go as they are
        data = body if raw else None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self._token}")
        if data is not None:
            request.add_header(
                "Content-Type", "application/octet-stream" if raw else "application/json"
            )
        for name, value in headers.items():
            request.add_header(name.replace("_", "-"), value)
        try:
            return urllib.request.urlopen(request, timeout=self.timeout_s)
        except urllib.error.HTTPError as error:
            raise _problem(error) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise StoreError(
                f"cannot reach {self.url}: {reason}",
                hint="check the URL and that `moviebuild serve` runs there",
            ) from None

    def download(self, path: str) -> bytes:
        """The bytes of ``GET path`` (a zip, a file); problems raise as ``request``'s do."""
        with self._open("GET", path, None, {}) as response:
            data: bytes = response.read()
        return data

    def events(
        self, movie_id: str, after: int = 0, *, build: str | None = None
    ) -> Iterator[BuildEvent]:
        """The movie's events after ``after`` (only ``build``'s, when given), as they happen
        (an endless stream); events of a type this version does not know are left out."""
        from moviebuild.project.events import read_event

        path = f"/v1/movies/{movie_id}/events" + (f"?build={build}" if build else "")
        with self._open("GET", path, None, {"Last-Event-ID": str(after)}) as response:
            for raw in response:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("data: "):
                    event = read_event(json.loads(line[len("data: "):]))
                    if event is not None:
                        yield event

    def create(
        self,
        moviefile: dict[str, Any],
        *,
        overrides: dict[str, str] | None = None,
        budget_usd: float | None = None,
        on_event: EventCallback | None = None,
        wait: bool = True,
    ) -> RemoteMovie:
        """Create a movie and start its first build; waits for it unless ``wait`` is false."""
        body: dict[str, Any] = {"moviefile": moviefile, "overrides": overrides or {}}
        if budget_usd is not None:
            body["budget_usd"] = budget_usd
        answer = self.request("POST", "/v1/movies", body)
        movie = RemoteMovie(self, answer["id"])
        if wait and answer.get("build"):
            movie.wait(answer["build"]["id"], answer.get("events_after", 0), on_event)
        return movie

    def movie(self, movie_id: str) -> RemoteMovie:
        return RemoteMovie(self, movie_id)

    def movies(self) -> list[MovieSummary]:
        from moviebuild.server.models import MovieList

        found, cursor = [], ""
        while True:
            page = MovieList.model_validate(self.request("GET", f"/v1/movies?cursor={cursor}"))
            found.extend(page.movies)
            if page.next_cursor is None:
                return found
            cursor = page.next_cursor


class RemoteMovie:
    """A movie on a server, with the local ``Movie``'s verbs."""

    def __init__(self, server: RemoteServer, movie_id: str) -> None:
        self.server = server
        self.id = movie_id
        self._path = f"/v1/movies/{movie_id}"

    def __repr__(self) -> str:
        return f"RemoteMovie({self.server.url!r}, {self.id!r})"

    def plan(self, changes: Changes | None = None) -> PlanReport:
        """What a build with ``changes`` would do now (the server's dry run)."""
        from moviebuild.server.models import BuildAccepted

        answer = BuildAccepted.model_validate(
            self.server.request("POST", self._path + "/builds", _body(changes, dry_run=True))
        )
        assert answer.plan is not None
        return answer.plan

    def build(
        self,
        changes: Changes | None = None,
        *,
        on_event: EventCallback | None = None,
        budget_usd: float | None = None,
    ) -> BuildReport:
        """Start a build with ``changes``, follow it (``on_event`` is called with each
        ``BuildEvent``) and answer with its ``BuildReport``, as ``Movie.build`` does. A build
        that could not run raises, as locally. ``changes.files`` are uploaded first."""
        for artifact_id, file in (changes.files if changes is not None else {}).items():
            self.set_file(artifact_id, file)
        body = _body(changes)
        if budget_usd is not None:
            body["budget_usd"] = budget_usd
        answer = self.server.request("POST", self._path + "/builds", body)
        build = self.wait(answer["build"]["id"], answer.get("events_after", 0), on_event)
        return report_of(build)

    def wait(
        self, build_id: str, after: int = 0, on_event: EventCallback | None = None
    ) -> BuildDocument:
        """Follow the events until ``build_id`` finishes; returns the server's record of it."""
        for event in self.server.events(self.id, after, build=build_id):
            if on_event is not None:
                on_event(event)
            if event.type == "build-finished":
                break
        return self.get_build(build_id)

    def get_build(self, build_id: str) -> BuildDocument:
        from moviebuild.server.models import BuildDocument

        return BuildDocument.model_validate(
            self.server.request("GET", f"{self._path}/builds/{build_id}")
        )

    def state(self) -> MovieState:
        from moviebuild.project.state import MovieState

        return MovieState.model_validate(self.server.request("GET", self._path))

    def log(self) -> list[RevisionEntry]:
        from moviebuild.server.models import RevisionList

        answer = self.server.request("GET", self._path + "/revisions")
        return RevisionList.model_validate(answer).revisions

    def set_file(self, artifact_id: str, file: Path | str | bytes | None) -> MovieState:
        """Put your own file (a path or its bytes) in a media slot on the server, or hand the
        slot back (``None``); the next build uses it."""
        from urllib.parse import quote

        from moviebuild.project.state import MovieState

        path = f"{self._path}/files/{quote(artifact_id, safe='')}"
        if file is None:
            return MovieState.model_validate(self.server.request("DELETE", path))
        data = file if isinstance(file, bytes) else _read_upload(Path(file))
        return MovieState.model_validate(self.server.request("PUT", path, data))

    def checkout(self, revision: int | str, *, force: bool = False) -> MovieState:
        from moviebuild.project.state import MovieState

        body = {"revision": revision, "force": force}
        answer = self.server.request("POST", self._path + "/checkout", body)
        return MovieState.model_validate(answer)

    def delete(self) -> None:
        self.server.request("DELETE", self._path)

    def export_edit(self, format: str, *, bundle: Path) -> list[Path]:
        """The current revision for an editor (``otio``, ``fcpxml``, ``edl``), unpacked into
        the ``bundle`` folder with its captions and media; the files written."""
        import io
        import zipfile

        data = self.server.download(f"{self._path}/export/{format}")
        bundle.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [name for name in archive.namelist() if not name.endswith("/")]
            # zipfile drops ".." and leading slashes, so nothing lands outside the bundle.
            archive.extractall(bundle)
        return [bundle / name for name in names]


def report_of(build: BuildDocument) -> BuildReport:
    """The ``BuildReport`` of a finished server build; a build that ended without one (it could
    not run) raises, as a local build raises."""
    if build.report is not None:
        return build.report
    if build.status == "cancelled":
        from moviebuild.errors import Interrupted

        raise Interrupted(f"build {build.id} was cancelled", hint="run moviebuild again")
    raise ConfigError(build.error or f"build {build.id} {build.status} without a report")


def _read_upload(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file: {exc.strerror or exc}") from None


def _body(changes: Changes | None, *, dry_run: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"dry_run": dry_run}
    if changes is not None and changes.files and dry_run:
        raise ConfigError(
            "a server's dry run cannot use files that are not uploaded yet",
            hint="upload them with movie.set_file(id, path), then plan",
        )
    if changes is not None:
        body["config"] = _json_keys(dict(changes.config))
        body["overrides"] = dict(changes.overrides)
        body["redo"] = list(changes.redo)
    return body


def _json_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_keys(v) for k, v in value.items()}
    return value


def _problem(error: urllib.error.HTTPError) -> MovieBuildError:
    try:
        problem = json.loads(error.read())
        message, hint = str(problem["message"]), problem.get("hint")
    except (ValueError, KeyError, TypeError):
        message, hint = f"HTTP {error.code} {error.reason}", None
    error.close()
    if error.code == 422:
        return ConfigError(message, hint=hint)
    return StoreError(f"server answered {error.code}: {message}", hint=hint)
