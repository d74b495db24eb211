"""The local file system with the subset of fsspec's interface the store uses.

A movie on local disk is the common case, and importing fsspec costs a no-op build about a
tenth of a second, so local stores use this small class; every other URL goes through fsspec.
Semantics follow ``fsspec.implementations.local.LocalFileSystem`` for these methods.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any


class LocalFS:
    """Plain ``os`` calls behind fsspec's method names; paths are absolute POSIX strings."""

    protocol = ("file", "local")

    def cat_file(self, path: str) -> bytes:
        with open(path, "rb") as handle:
            return handle.read()

    def pipe_file(self, path: str, data: bytes, mode: str = "overwrite") -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "xb" if mode == "create" else "wb") as handle:
            handle.write(data)

    def rm_file(self, path: str) -> None:
        os.remove(path)

    def rm(self, path: str, recursive: bool = False) -> None:
        if recursive and os.path.isdir(path):
            shutil.rmtree(path)
        else:
            os.remove(path)

    def mv(self, source: str, target: str) -> None:
        os.replace(source, target)

    def makedirs(self, path: str, exist_ok: bool = False) -> None:
        os.makedirs(path, exist_ok=exist_ok)

    def exists(self, path: str) -> bool:
        return os.path.exists(path)

    def size(self, path: str) -> int:
        return os.path.getsize(path)

    def info(self, path: str) -> dict[str, Any]:
        stat = os.stat(path)
        kind = "directory" if os.path.isdir(path) else "file"
        return {"name": path, "size": stat.st_size, "type": kind}

    def ls(self, path: str, detail: bool = True, **_: Any) -> list[Any]:
        with os.scandir(path) as entries:
            found = sorted(
                (
                    {
                        "name": f"{path.rstrip('/')}/{entry.name}",
                        "size": entry.stat().st_size if entry.is_file() else 0,
                        "type": "directory" if entry.is_dir() else "file",
                    }
                    for entry in entries
                ),
                key=lambda info: info["name"],
            )
        return found if detail else [info["name"] for info in found]

    def find(self, path: str, detail: bool = False, **_: Any) -> Any:
        found: dict[str, dict[str, Any]] = {}
        if os.path.isdir(path):
            for folder, _dirs, files in os.walk(path):
                for name in files:
                    full = Path(folder, name).as_posix()
                    found[full] = {"name": full, "size": os.path.getsize(full), "type": "file"}
        found = dict(sorted(found.items()))
        return found if detail else list(found)

    def unstrip_protocol(self, path: str) -> str:
        return f"file://{path}"
