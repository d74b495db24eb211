"""What changed between two revisions, as people read it: Moviefile settings by their path
(``segments.4.use_video: false -> true``), edited texts and generated texts with their words,
media files by their place under ``out/``, and the jobs redone. ``log`` lists the short form
per revision, ``diff`` the full one. Reads records and blobs; writes nothing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from moviebuild.errors import MovieBuildError
from moviebuild.graph.naming import out_file
from moviebuild.project.export import OUT_DIR
from moviebuild.project.records import RevisionRecord
from moviebuild.store import Store

_MISSING = object()


@dataclass(frozen=True)
class TextChange:
    id: str
    old: str | None
    new: str | None


@dataclass
class RevisionChanges:
    """``settings``: (path, old, new) with values as JSON text ("none" when absent);
    ``edits``: texts the user pinned, changed or handed back; ``texts``: generated texts that
    changed; ``media``: (file under out/, added|changed|removed); ``redone``: redone jobs."""

    settings: list[tuple[str, str, str]] = field(default_factory=list)
    edits: list[TextChange] = field(default_factory=list)
    texts: list[TextChange] = field(default_factory=list)
    media: list[tuple[str, str]] = field(default_factory=list)
    redone: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        """One short phrase per change, for ``log``."""
        found = [f"{path}: {old} -> {new}" for path, old, new in self.settings]
        for edit in self.edits:
            if edit.new is None:
                found.append(f"edit of {edit.id} handed back")
            else:
                found.append(f"edited {edit.id}")
        found += [f"redo {job}" for job in self.redone]
        return found


def _shown(value: Any) -> str:
    if value is _MISSING or value is None:
        return "none"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def setting_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Moviefile values that differ, by dotted path (nested mappings are walked)."""
    found: list[tuple[str, str, str]] = []

    def walk(prefix: str, before: Any, after: Any) -> None:
        if isinstance(before, Mapping) and isinstance(after, Mapping):
            for key in sorted(set(before) | set(after), key=str):
                walk(f"{prefix}{key}.", before.get(key, _MISSING), after.get(key, _MISSING))
        elif before != after:
            found.append((prefix.rstrip("."), _shown(before), _shown(after)))

    walk("", old, new)
    return found


def revision_changes(
    store: Store | None, old: RevisionRecord | None, new: RevisionRecord
) -> RevisionChanges:
    """What ``new`` changed since ``old`` (None: the first revision). Generated texts are read
    from ``store`` when one is given."""
    changes = RevisionChanges()
    changes.redone = [
        str(job)
        for job, record in new.jobs.items()
        if record.reason is not None and record.reason.get("kind") == "redo"
    ]
    if old is None:
        return changes
    changes.settings = setting_changes(old.moviefile, new.moviefile)
    before_outputs, after_outputs = old.outputs(), new.outputs()
    for artifact_id in sorted(set(old.overrides) | set(new.overrides)):
        before, after = old.overrides.get(artifact_id), new.overrides.get(artifact_id)
        if (before and before.digest) != (after and after.digest):
            # The text an edit replaced (or that replaced a handed-back edit) was generated.
            was = before.text if before else _text(store, before_outputs.get(artifact_id))
            now = after.text if after else _text(store, after_outputs.get(artifact_id))
            changes.edits.append(TextChange(str(artifact_id), was, now))
    edited = {str(a) for a in new.overrides} | {str(a) for a in old.overrides}
    for artifact_id in sorted(set(before_outputs) | set(after_outputs)):
        was, now = before_outputs.get(artifact_id), after_outputs.get(artifact_id)
        if was == now:
            continue
        path = out_file(artifact_id)
        if path is not None:
            how = "added" if was is None else "removed" if now is None else "changed"
            changes.media.append((f"{OUT_DIR}/{path}", how))
        elif store is not None and str(artifact_id) not in edited:
            changes.texts.append(
                TextChange(str(artifact_id), _text(store, was), _text(store, now))
            )
    return changes


def _text(store: Store | None, digest: str | None) -> str | None:
    if store is None or digest is None:
        return None
    try:
        return store.blobs.get_blob(digest).decode("utf-8", errors="replace")
    except (KeyError, MovieBuildError):  # gone (gc) or damaged: said, not fatal
        return "(no longer stored)"
