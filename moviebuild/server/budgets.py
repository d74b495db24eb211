"""Per-tenant daily budgets: a tenant's budget is the lowest ``daily_budget_usd`` among its
tokens (``moviebuild token create TENANT --daily-budget 20``); what it spent today (UTC) is what
its movies' revisions created today billed. A build asked for at or over the budget is refused
with 402 and the reset time; a build under it runs with the rest of the day's budget as its own
budget, which the build holds call by call. It does not meter anything itself."""

from __future__ import annotations

import asyncio
import datetime as dt

from moviebuild.project.movie import Movie
from moviebuild.project.spent import movie_spending
from moviebuild.server.bodies import problem
from moviebuild.server.root import MovieRoot
from moviebuild.server.tokens import TokenBook


def daily_budget_usd(tokens: TokenBook, tenant: str) -> float | None:
    budgets = [e.daily_budget_usd for e in tokens.entries()
               if e.tenant == tenant and e.daily_budget_usd is not None]
    return min(budgets) if budgets else None


def spent_today_usd(root: MovieRoot, tenant: str, today: dt.date) -> float:
    """What the tenant's revisions created on ``today`` (UTC) billed."""
    total = 0.0
    prefix = today.isoformat()
    for movie_id in root.list_movies(tenant):
        movie = Movie.open(root.movie_folder(tenant, movie_id))
        total += sum(r.billed_usd for r in movie_spending(movie).revisions
                     if r.created.startswith(prefix))
    return total


def next_reset(now: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.UTC)


def budget_for_build(tokens: TokenBook, root: MovieRoot, tenant: str,
                     requested_usd: float | None, estimate_usd: float,
                     now: dt.datetime | None = None) -> float | None:
    """The budget a new build of ``tenant`` runs with: the request's, lowered to what is left of
    the tenant's day. Raises 402 (with the reset time) when nothing is left, or when the build's
    estimate is more than what is left."""
    budget = daily_budget_usd(tokens, tenant)
    if budget is None:
        return requested_usd
    now = now or dt.datetime.now(dt.UTC)
    spent = spent_today_usd(root, tenant, now.date())
    left = budget - spent
    if left <= 1e-9 or estimate_usd > left:
        reset = next_reset(now)
        seconds = max(1, int((reset - now).total_seconds()))
        what = (f"this build would cost about ${estimate_usd:.2f}; "
                if left > 1e-9 else "")
        raise problem(
            402, "daily-budget-reached",
            f"{what}this tenant spent ${spent:.2f} of its daily budget of ${budget:.2f}, which "
            f"resets at {reset.isoformat(timespec='seconds')}",
            hint="wait for the reset, change less, or ask the operator for a higher "
            "--daily-budget",
            headers={"Retry-After": str(seconds), "X-Budget-Reset": reset.isoformat()},
        )
    return left if requested_usd is None else min(requested_usd, left)


async def build_budget(tokens: TokenBook, root: MovieRoot, tenant: str,
                       requested_usd: float | None, estimate_usd: float) -> float | None:
    """``budget_for_build`` off the event loop (it reads every movie's revisions)."""
    return await asyncio.to_thread(budget_for_build, tokens, root, tenant, requested_usd,
                                   estimate_usd)
