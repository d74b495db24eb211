"""Why a job runs: exactly one typed reason per planned job, decided where the decision is made."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ReasonKind(StrEnum):
    """Each value names one cause; see DESIGN section 4."""

    NEW = "new"
    INPUT_CHANGED = "input-changed"
    MODEL_CHANGED = "model-changed"
    ENDPOINT_CHANGED = "endpoint-changed"
    IMPLEMENTATION_CHANGED = "implementation-changed"
    TEMPLATE_CHANGED = "template-changed"
    OVERRIDE = "override"
    OUTPUT_MISSING = "output-missing"
    FAILED_BEFORE = "failed-before"
    REDO = "redo"
    UPSTREAM_WILL_CHANGE = "upstream-will-change"
    REFERENCE_CHANGED = "reference-changed"
    SOURCE_CHANGED = "source-changed"


#: Attachment inputs (engine/interfaces.py ``Attachments``) by name prefix, and their reason.
_ATTACHMENT_REASONS = {
    "reference:": ReasonKind.REFERENCE_CHANGED,
    "source:": ReasonKind.SOURCE_CHANGED,
}


#: Reasons whose old and new values are short enough to print inline.
_SHOWS_VALUES = frozenset({ReasonKind.IMPLEMENTATION_CHANGED, ReasonKind.ENDPOINT_CHANGED})


@dataclass(frozen=True)
class Reason:
    """A reason with what it is about (a field or artifact id) and the old and new values."""

    kind: ReasonKind
    subject: str | None = None
    old: str | None = None
    new: str | None = None

    def __str__(self) -> str:
        if self.kind in _SHOWS_VALUES and self.subject:
            unset = "the default" if self.kind is ReasonKind.ENDPOINT_CHANGED else "none"
            return f"{self.kind.value}: {self.subject} {self.old or unset} -> {self.new or unset}"
        return f"{self.kind.value}: {self.subject}" if self.subject else self.kind.value

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "subject": self.subject, "old": self.old, "new": self.new}


def compare_fingerprints(
    old: Mapping[str, Any], new: Mapping[str, Any], overridden: frozenset[str]
) -> Reason | None:
    """The first difference between two fingerprints, by precedence; None when they match.

    Precedence: take, model (adapter, model, params, version), endpoint, implementation, template,
    overridden inputs, attachments (a reference sheet or a source), fields, other inputs.
    """
    if old.get("take") != new.get("take"):
        return Reason(ReasonKind.REDO, None, str(old.get("take")), str(new.get("take")))
    for part in ("adapter", "model", "params", "version"):
        if old.get(part) != new.get(part):
            return Reason(
                ReasonKind.MODEL_CHANGED, part, _short(old.get(part)), _short(new.get(part))
            )
    if old.get("endpoint") != new.get("endpoint"):
        return Reason(
            ReasonKind.ENDPOINT_CHANGED, "endpoint", old.get("endpoint"), new.get("endpoint")
        )
    old_how, new_how = old.get("implementation", {}), new.get("implementation", {})
    for part in sorted(set(old_how) | set(new_how)):
        if old_how.get(part) != new_how.get(part):
            return Reason(
                ReasonKind.IMPLEMENTATION_CHANGED, part, old_how.get(part), new_how.get(part)
            )
    if old.get("template") != new.get("template"):
        return Reason(ReasonKind.TEMPLATE_CHANGED, None, old.get("template"), new.get("template"))
    old_inputs, new_inputs = old.get("inputs", {}), new.get("inputs", {})
    changed_inputs = sorted(
        k for k in set(old_inputs) | set(new_inputs) if old_inputs.get(k) != new_inputs.get(k)
    )
    for name in changed_inputs:
        if name in overridden:
            return Reason(ReasonKind.OVERRIDE, name, old_inputs.get(name), new_inputs.get(name))
    for name in changed_inputs:
        for prefix, kind in _ATTACHMENT_REASONS.items():
            if name.startswith(prefix):
                return Reason(kind, name[len(prefix):], old_inputs.get(name), new_inputs.get(name))
    old_fields, new_fields = old.get("fields", {}), new.get("fields", {})
    for name in sorted(set(old_fields) | set(new_fields)):
        if old_fields.get(name) != new_fields.get(name):
            return Reason(
                ReasonKind.INPUT_CHANGED,
                name,
                _short(old_fields.get(name)),
                _short(new_fields.get(name)),
            )
    if changed_inputs:
        name = changed_inputs[0]
        return Reason(ReasonKind.INPUT_CHANGED, name, old_inputs.get(name), new_inputs.get(name))
    if old.get("index") != new.get("index") or old.get("producer") != new.get("producer"):
        return Reason(ReasonKind.NEW)
    return None


def _short(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
