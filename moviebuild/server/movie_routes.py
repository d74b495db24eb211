"""Movie endpoints: create (with its first build or a dry run), list, state, delete, prompts,
errors, timeline, revisions and checkout. Project work (reading stores, planning) runs in a
worker thread so one slow movie never holds up the event loop.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import yaml
from aiohttp import web

from moviebuild.config.numbers import ascii_number
from moviebuild.errors import MovieBuildError
from moviebuild.project.changes import Changes
from moviebuild.project.movie import Movie
from moviebuild.project.reports import RevisionEntry
from moviebuild.project.state import MovieState
from moviebuild.server.backend import MovieRef
from moviebuild.server.bodies import (
    answer,
    check_moviefile,
    config_error,
    not_found,
    problem,
    read_body,
)
from moviebuild.server.budgets import build_budget
from moviebuild.server.build_routes import check_capacity, start_build
from moviebuild.server.context import Server, server_of, tenant_of
from moviebuild.server.models import (
    BuildRequest,
    CheckoutRequest,
    CreatedMovie,
    CreateMovie,
    ErrorList,
    MovieList,
    MovieSummary,
    PromptList,
    RevisionDiff,
    RevisionDocument,
    RevisionList,
    TimelineDocument,
)

PAGE_SIZE = 50
#: While a movie builds, its state may lag this much behind its events (it is being recomputed).
STALE_WHILE_BUILDING_S = 1.0
MAX_PAGE_SIZE = 200


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_post("/v1/movies", create_movie)
    router.add_get("/v1/movies", list_movies)
    router.add_get("/v1/movies/{movie}", get_movie)
    router.add_delete("/v1/movies/{movie}", delete_movie)
    router.add_get("/v1/movies/{movie}/prompts", get_prompts)
    router.add_get("/v1/movies/{movie}/errors", get_errors)
    router.add_get("/v1/movies/{movie}/timeline", get_timeline)
    router.add_get("/v1/movies/{movie}/revisions", get_revisions)
    router.add_get("/v1/movies/{movie}/revisions/{rev}", get_revision)
    router.add_post("/v1/movies/{movie}/checkout", checkout)


def movie_ref(request: web.Request) -> MovieRef:
    return server_of(request).movie(tenant_of(request), request.match_info["movie"])


async def create_movie(request: web.Request) -> web.Response:
    server = server_of(request)
    tenant = tenant_of(request)
    body = await read_body(request, CreateMovie)
    text, _moviefile = check_moviefile(body.moviefile, ("moviefile",))
    movie_id = f"m-{secrets.token_hex(6)}"
    folder = server.root.create_movie(tenant, movie_id, text)
    ref = server.movie(tenant, movie_id)
    changes = Changes(overrides=body.overrides)
    try:
        if not body.dry_run:
            check_capacity(server, ref)
        document = await asyncio.to_thread(lambda: Movie.open(folder).plan(changes))
        estimate_usd = document.cost.estimate_usd
        if body.budget_usd is not None and estimate_usd > body.budget_usd:
            raise problem(
                422, "over-budget",
                f"the first build would cost about ${estimate_usd:.2f}, over the budget "
                f"of ${body.budget_usd:.2f}", hint="raise budget_usd or choose cheaper providers",
            )
    except MovieBuildError as exc:
        server.root.delete_movie(tenant, movie_id)
        where = "$.overrides" if body.overrides else None
        raise config_error(exc, where) from None
    except BaseException:
        server.root.delete_movie(tenant, movie_id)
        raise
    if body.dry_run:
        return answer(CreatedMovie(id=movie_id, plan=document), 201)
    try:
        budget = await build_budget(server.tokens, server.root, tenant, body.budget_usd,
                                    document.cost.estimate_usd)
    except BaseException:
        server.root.delete_movie(tenant, movie_id)
        raise
    build, events_after = start_build(
        server, ref, BuildRequest(overrides=dict(body.overrides), budget_usd=budget)
    )
    return answer(CreatedMovie(id=movie_id, build=build, events_after=events_after), 201)


async def list_movies(request: web.Request) -> web.Response:
    server = server_of(request)
    tenant = tenant_of(request)
    text = request.query.get("limit", str(PAGE_SIZE))
    limit = ascii_number(text, max_digits=6)
    if limit is None or not 1 <= limit <= MAX_PAGE_SIZE:
        raise problem(
            400, "bad-request", f"limit must be a whole number from 1 to {MAX_PAGE_SIZE}",
            where="limit",
        )
    cursor = request.query.get("cursor", "")
    ids = [m for m in server.root.list_movies(tenant) if m > cursor]
    page, rest = ids[:limit], ids[limit:]

    def summaries() -> list[MovieSummary]:
        return [_summary(server, tenant, movie_id) for movie_id in page]

    movies = await asyncio.to_thread(summaries)
    return answer(MovieList(movies=movies, next_cursor=page[-1] if rest else None))


def _summary(server: Server, tenant: str, movie_id: str) -> MovieSummary:
    """One listed movie, from the index listing: nothing is restored into the cache (a movie
    on an S3 root is restored when it is opened)."""
    root = server.root
    ref = MovieRef(
        tenant, movie_id, root.movie_folder(tenant, movie_id), root.records_folder(tenant, movie_id)
    )
    inquiry = ""
    try:
        data = yaml.safe_load(root.listed_moviefile(tenant, movie_id) or "")
        inquiry = str(data.get("inquiry", "")) if isinstance(data, dict) else ""
    except yaml.YAMLError:
        pass
    return MovieSummary(
        id=ref.movie_id, inquiry=inquiry,
        revision=server.root.head_revision(ref.tenant, ref.movie_id),
        building=server.backend.running(ref),
    )


async def _state_and_body(request: web.Request) -> tuple[MovieState, bytes]:
    server = server_of(request)
    ref = movie_ref(request)
    linker = server.signer.linker(ref.tenant, ref.movie_id)
    events = server.logs.for_folder(ref.records)
    building = server.backend.running(ref) is not None and not (
        events.events and events.events[-1].type == "build-finished"
    )
    if server.backend.running(ref) is None:
        # Another host may have built since this one cached the folder: state shows HEAD.
        await asyncio.to_thread(server.root.follow_head, ref.tenant, ref.movie_id)
    variant = request.query.get("variant")
    if variant:
        # A variant's state is read fresh: the cache holds the base movie's.
        try:
            state = await asyncio.to_thread(
                lambda: Movie.open(ref.folder, variant=variant).state(link=linker)
            )
        except MovieBuildError as exc:
            raise config_error(exc) from None
        return state, state.model_dump_json().encode("utf-8")
    return await server.states.get(
        ref,
        events.last_id,
        lambda: Movie.open(ref.folder).state(link=linker),
        stale_ok_s=STALE_WHILE_BUILDING_S if building else 0.0,
    )


async def _state(request: web.Request) -> MovieState:
    return (await _state_and_body(request))[0]


async def get_movie(request: web.Request) -> web.Response:
    _, body = await _state_and_body(request)
    return web.Response(body=body, content_type="application/json")


async def get_prompts(request: web.Request) -> web.Response:
    return answer(PromptList(prompts=(await _state(request)).prompts))


async def get_errors(request: web.Request) -> web.Response:
    return answer(ErrorList(errors=(await _state(request)).errors))


async def get_timeline(request: web.Request) -> web.Response:
    state = await _state(request)
    return answer(TimelineDocument(timeline=state.timeline, assets=state.assets))


async def delete_movie(request: web.Request) -> web.Response:
    server = server_of(request)
    ref = movie_ref(request)
    running = server.backend.running(ref)
    if running is not None:
        raise problem(
            409, "conflict", f"build {running} of this movie is running",
            hint=f"cancel it first: POST /v1/movies/{ref.movie_id}/builds/{running}/cancel",
        )
    await asyncio.to_thread(server.root.delete_movie, ref.tenant, ref.movie_id)
    server.logs.forget(ref.records)
    server.states.forget(ref)
    return web.Response(status=204)


async def get_revisions(request: web.Request) -> web.Response:
    ref = movie_ref(request)

    def entries() -> list[RevisionEntry]:
        movie = Movie.open(ref.folder)
        if not movie.store_exists():
            return []
        return movie.log()

    return answer(RevisionList(revisions=await asyncio.to_thread(entries)))


def _revision_number(text: str) -> int | None:
    return ascii_number(text.removeprefix("r"), max_digits=9)


async def get_revision(request: web.Request) -> web.Response:
    ref = movie_ref(request)
    rev = _revision_number(request.match_info["rev"])
    signer = server_of(request).signer

    def document() -> RevisionDocument | None:
        from moviebuild.graph.naming import out_file
        from moviebuild.project.history import diff_revisions
        from moviebuild.project.records import read_revision

        movie = Movie.open(ref.folder)
        if rev is None or not movie.store_exists():
            return None
        with movie.open_store() as store:
            revisions = store.list_revisions()
            if rev not in revisions:
                return None
            record = read_revision(store, rev)
        outputs = record.outputs()
        # The same files the state links (out/ holds them), for this revision's digests.
        links = {
            str(a): signer.link(ref.tenant, ref.movie_id, d)
            for a, d in outputs.items()
            if out_file(a) is not None and a.name != "Timeline"
        }
        earlier = [r for r in revisions if r < rev]
        diff = diff_revisions(movie, earlier[-1], rev) if earlier else None
        return RevisionDocument(
            revision=rev,
            created=record.created,
            interrupted=record.interrupted,
            moviefile=dict(record.moviefile),
            overrides={str(a): o.text for a, o in record.overrides.items()},
            outputs={str(a): d for a, d in outputs.items()},
            links=links,
            diff_from_previous=RevisionDiff.model_validate(diff) if diff else None,
        )

    found = await asyncio.to_thread(document)
    if found is None:
        raise not_found("no such revision")
    return answer(found)


async def checkout(request: web.Request) -> web.Response:
    server = server_of(request)
    ref = movie_ref(request)
    body = await read_body(request, CheckoutRequest)
    rev = _revision_number(str(body.revision))
    if server.backend.running(ref) is not None:
        raise problem(409, "conflict", "a build of this movie is running; checkout waits")
    linker = server.signer.linker(ref.tenant, ref.movie_id)

    def run() -> Any:
        movie = Movie.open(ref.folder)
        if rev is None or not movie.store_exists():
            return None
        with movie.open_store() as store:
            if rev not in store.list_revisions():
                return None
        movie.checkout(rev, force=body.force)
        return movie.state(link=linker)

    try:
        state = await asyncio.to_thread(run)
    except MovieBuildError as exc:
        raise problem(409, "conflict", exc.message, hint=exc.hint) from None
    finally:
        server.states.forget(ref)
    if state is None:
        raise problem(404, "not-found", "no such revision", where="$.revision")
    return answer(state)

