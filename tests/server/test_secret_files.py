"""Secret files on a local root (the token book, the link-signing key, webhook secrets) are 0600
from their first byte, in folders only the server's user can open (0700): a reader who lists
the folder between the write and a later chmod must never find them readable."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moviebuild.server.root import LocalRoot
from moviebuild.server.tokens import TokenBook
from moviebuild.server.webhooks import save_webhook


@pytest.fixture
def renames(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """The mode each file had at the moment it was renamed into place, by final name."""
    seen: dict[str, int] = {}
    replace = os.replace

    def watching(src: Any, dst: Any, **kwargs: Any) -> None:
        mode = os.stat(src, dir_fd=kwargs.get("src_dir_fd"), follow_symlinks=False).st_mode
        seen[os.fsdecode(dst)] = stat.S_IMODE(mode)
        replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", watching)
    old_umask = os.umask(0o022)  # the usual umask: a plain write would be 0644
    try:
        yield seen
    finally:
        os.umask(old_umask)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_tokens_signing_key_and_webhooks_are_private_from_the_first_byte(
    tmp_path: Path, renames: dict[str, int]
) -> None:
    root = LocalRoot(tmp_path / "root")
    TokenBook(root).create("acme")
    root.signing_key()
    tenant = root.tenant_folder("acme")
    records = root.records_folder("acme", "m-1")
    save_webhook(tenant, "https://hooks.example.com/a")
    save_webhook(records, "https://hooks.example.com/b")
    for name in ("tokens.json", "signing.key", "webhook.json"):
        assert renames[name] == 0o600, f"{name} was {oct(renames[name])} before its rename"
    for path in (root.path / "tokens.json", root.path / "signing.key",
                 tenant / "webhook.json", records / "webhook.json"):
        assert mode(path) == 0o600, path
        assert mode(path.parent) == 0o700, path.parent


def test_an_existing_wide_folder_is_narrowed_when_a_secret_goes_into_it(
    tmp_path: Path, renames: dict[str, int]
) -> None:
    (tmp_path / "root").mkdir(mode=0o755)
    root = LocalRoot(tmp_path / "root")
    root.signing_key()
    assert mode(root.path) == 0o700
    assert mode(root.path / "signing.key") == 0o600
