"""The reports of ``plan``, ``build`` and ``log`` as text for people: one rendering each,
whichever door (a local movie or ``--server``) produced the report."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from moviebuild.project.reports import BuildReport, PlanReport, RevisionEntry


def render_plan(plan: PlanReport) -> str:
    """The dry run: jobs by layer and producer with their reasons, calls per provider, the
    critical path, the cost and the providers without a key."""
    lines = [
        f'Plan for "{plan.inquiry}" ({plan.duration_s:g} s, {plan.segments} segments): '
        f"{len(plan.jobs)} of {plan.total_jobs} jobs run, {plan.up_to_date} up to date",
    ]
    by_layer: dict[int, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for job in plan.jobs:
        by_layer[job.layer][job.producer][job.why()] += 1
    for layer in sorted(by_layer):
        lines.append(f"layer {layer}")
        for producer, reasons in sorted(by_layer[layer].items()):
            total = sum(reasons.values())
            why = ", ".join(
                f"{reason} x{count}" if count > 1 else reason
                for reason, count in sorted(reasons.items())
            )
            lines.append(f"  {producer:<28} {total:>4}  {why}")
    if not plan.jobs:
        lines.append("nothing to do: every job is up to date")
    sheets = [job for job in plan.jobs if job.references]
    if sheets:
        lines.append("continuity references:")
    for job in sheets:
        how = "pictures" if job.references_as == "pictures" else (
            f"description only: the {job.provider} adapter sends no pictures")  # fmt: skip
        lines.append(f"  {job.id:<30} {', '.join(job.references)} ({how}); {job.why()}")
    calls = plan.calls()
    if calls:
        lines.append(
            "calls per provider: " + ", ".join(f"{k} {v}" for k, v in sorted(calls.items()))
        )
    lines.append(f"critical path: {plan.critical_path_s:.0f} s at nominal latencies")
    detail = ", ".join(
        f"{p.provider} ${p.estimate_usd:.2f}" for p in plan.cost.providers if p.estimate_usd
    )
    lines.append(
        f"estimated cost: ${plan.cost.estimate_usd:.2f}" + (f" ({detail})" if detail else "")
    )
    for warning in plan.missing_keys:
        lines.append(f"warning: {warning}")
    return "\n".join(lines)


def render_build(report: BuildReport, elapsed_s: float | None = None) -> str:
    """The build summary: notices, what ran and was reused, the failures with their hints."""
    lines = list(report.notices)
    ran = report.ran
    what = ", ".join(f"{name} {count}" for name, count in sorted(ran.items())) or "nothing"
    state = {"complete": "built"}.get(report.outcome, report.outcome)
    took = f" in {elapsed_s:.1f} s" if elapsed_s is not None else ""
    lines.append(
        f"{state}: revision {report.revision}{took}; ran {what}; reused {report.reused} "
        f"({sum(ran.values())} jobs)"
    )
    lines.extend(_cost_lines(report))
    for failed in report.failed():
        kind = "retryable" if failed.retryable else "needs attention"
        lines.append(f"  failed {failed.id} ({kind}): {failed.error}")
        if failed.hint:
            lines.append(f"    hint: {failed.hint}")
    blocked = report.blocked()
    if blocked:
        lines.append(f"  blocked: {', '.join(job.id for job in blocked)}")
    if report.timeline:
        lines.append(f"timeline: {report.timeline}")
    return "\n".join(lines)


def _cost_lines(report: BuildReport) -> list[str]:
    """Billed (as the providers reported it) against the estimate, and what reuse saved."""
    cost = report.cost
    paid = [p for p in cost.providers if p.billed_usd or p.ran_estimate_usd or p.saved_usd]
    if not paid:
        return []
    ran_estimate = sum(p.ran_estimate_usd for p in paid)
    lines = [
        f"cost: billed ${cost.billed_usd:.4f}, estimated ${ran_estimate:.4f} (difference "
        f"${cost.billed_usd - ran_estimate:+.4f}); reuse saved ${cost.saved_usd:.4f}; prices of "
        f"{cost.price_table}"
    ]
    if len(paid) > 1:
        lines += [
            f"  {p.provider}: billed ${p.billed_usd:.4f}, estimated ${p.ran_estimate_usd:.4f}, "
            f"saved ${p.saved_usd:.4f}"
            for p in paid
        ]
    return lines


def render_log(entries: Iterable[RevisionEntry]) -> str:
    """One line per revision, newest last; ``*`` marks the current one."""
    lines = []
    for entry in entries:
        mark = "*" if entry.current else " "
        extra = " interrupted" if entry.interrupted else ""
        lines.append(
            f"{mark} {entry.name:<5} {entry.created}  {entry.calls:>3} calls  "
            f"{entry.reused:>3} reused  {entry.failed} failed  {entry.blocked} blocked  "
            f"${entry.spent_usd:.2f}{extra}"
        )
        if entry.changes:
            lines.append("        " + "; ".join(entry.changes))
    return "\n".join(lines)
