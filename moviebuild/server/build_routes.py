"""Build endpoints: start a regeneration (or answer its dry run), read a build, cancel it. One
build per movie at a time (409), a few per tenant (429 with Retry-After)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from moviebuild.errors import MovieBuildError
from moviebuild.project.changes import Changes
from moviebuild.project.movie import Movie
from moviebuild.server.backend import MovieRef
from moviebuild.server.bodies import (
    answer,
    check_patch,
    config_error,
    not_found,
    problem,
    read_body,
)
from moviebuild.server.budgets import build_budget
from moviebuild.server.context import Server, server_of, tenant_of
from moviebuild.server.models import BuildAccepted, BuildDocument, BuildRequest


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_post("/v1/movies/{movie}/builds", post_build)
    router.add_get("/v1/movies/{movie}/builds/{build}", get_build)
    router.add_post("/v1/movies/{movie}/builds/{build}/cancel", cancel_build)


def check_capacity(server: Server, ref: MovieRef) -> None:
    """409 while ``ref`` builds, 429 when its tenant runs its limit, 503 while stopping."""
    if not server.accepting:
        raise problem(
            503, "stopping", "the server is stopping and accepts no new builds",
            hint="try again in a minute", headers={"Retry-After": "30"},
        )
    running = server.backend.running(ref)
    if running is not None:
        raise problem(
            409, "conflict", f"build {running} of this movie is still running",
            hint="wait for it (GET .../events) or cancel it",
        )
    if server.backend.running_count(ref.tenant) >= server.max_builds_per_tenant:
        raise problem(
            429, "too-many-builds",
            f"this tenant already runs {server.max_builds_per_tenant} builds at once",
            hint="wait for one to finish", headers={"Retry-After": "10"},
        )


def start_build(
    server: Server, ref: MovieRef, request: BuildRequest
) -> tuple[BuildDocument, int]:
    """Record a new build of ``ref`` and hand it to the backend; returns the build and the id
    of the movie's last event before it."""
    events_after = server.logs.for_folder(ref.records).last_id
    build = server.builds(ref).new(request)
    server.backend.start(ref, build)
    return build, events_after


async def post_build(request: web.Request) -> web.Response:
    server = server_of(request)
    ref = server.movie(tenant_of(request), request.match_info["movie"])
    body = await read_body(request, BuildRequest)
    check_patch(body.config)
    changes = Changes(
        config=body.config, overrides=body.overrides, redo=body.redo, variant=body.variant
    )

    def plan() -> BuildAccepted:
        return BuildAccepted(plan=Movie.open(ref.folder).plan(changes))

    if not body.dry_run:
        check_capacity(server, ref)
    if server.backend.running(ref) is None:
        # Another host may have built since this one cached the folder: the plan and its
        # estimate start from HEAD, as the build will.
        await asyncio.to_thread(server.root.follow_head, ref.tenant, ref.movie_id)
    try:
        # A build validates its changes now, so a bad patch is a 422, not a failed build.
        accepted = await asyncio.to_thread(plan)
    except MovieBuildError as exc:
        raise config_error(exc) from None
    if body.dry_run:
        return answer(accepted)
    assert accepted.plan is not None
    estimate_usd = accepted.plan.cost.estimate_usd
    if body.budget_usd is not None and estimate_usd > body.budget_usd:
        raise problem(
            422, "over-budget",
            f"this build would cost about ${estimate_usd:.2f}, over the budget of "
            f"${body.budget_usd:.2f}", hint="raise budget_usd or change less",
        )
    check_capacity(server, ref)
    budget = await build_budget(server.tokens, server.root, ref.tenant, body.budget_usd,
                                accepted.plan.cost.estimate_usd)
    build, events_after = start_build(server, ref, body.model_copy(update={"budget_usd": budget}))
    return answer(BuildAccepted(build=build, events_after=events_after), 202)


async def get_build(request: web.Request) -> web.Response:
    server = server_of(request)
    ref = server.movie(tenant_of(request), request.match_info["movie"])
    build = server.builds(ref).get(request.match_info["build"])
    if build is None:
        raise not_found("no such build")
    return answer(build)


async def cancel_build(request: web.Request) -> web.Response:
    server = server_of(request)
    ref = server.movie(tenant_of(request), request.match_info["movie"])
    build_id = request.match_info["build"]
    build = server.builds(ref).get(build_id)
    if build is None:
        raise not_found("no such build")
    if not server.backend.cancel(ref, build_id):
        raise problem(409, "conflict", f"build {build_id} is not running ({build.status})")
    return answer(build.model_copy(update={"status": "running"}), 202)
