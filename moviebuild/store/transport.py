"""How the store reaches its file system: fsspec URLs opened with connect/read timeouts and a
bounded retry, and every transport failure (OS errors, an unreachable endpoint, missing
credentials, refusals, timeouts) turned into a one-line ``StoreError``. It does not decide what
to read or write.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from moviebuild.errors import StoreError

#: Defaults for object stores; each can be changed by the environment variable next to it.
CONNECT_TIMEOUT_S = 5.0  # MOVIEBUILD_STORE_CONNECT_TIMEOUT_S
READ_TIMEOUT_S = 20.0  # MOVIEBUILD_STORE_READ_TIMEOUT_S
ATTEMPTS = 3  # MOVIEBUILD_STORE_ATTEMPTS: tries per request, the first included
_OBJECT_STORE_PROTOCOLS = {"s3", "s3a"}


def transport_settings() -> tuple[float, float, int]:
    """The connect timeout, read timeout and attempts in force (environment, else defaults)."""

    def number(name: str, default: float) -> float:
        text = os.environ.get(name, "").strip()
        try:
            value = float(text) if text else default
        except ValueError:
            raise StoreError(f"{name}={text!r} is not a number") from None
        if not value > 0 or value == float("inf"):
            raise StoreError(f"{name}={text!r} must be a positive number")
        return value

    return (
        number("MOVIEBUILD_STORE_CONNECT_TIMEOUT_S", CONNECT_TIMEOUT_S),
        number("MOVIEBUILD_STORE_READ_TIMEOUT_S", READ_TIMEOUT_S),
        max(1, int(number("MOVIEBUILD_STORE_ATTEMPTS", ATTEMPTS))),
    )


def open_filesystem(url_or_path: str | Path) -> tuple[Any, str]:
    """The file system and root path of a store location (a local path or an fsspec URL)."""
    text = str(url_or_path)
    if isinstance(url_or_path, Path) or "://" not in text or text.startswith("file://"):
        from moviebuild.store.localfs import LocalFS

        path = Path(text.removeprefix("file://")).expanduser().resolve()
        return LocalFS(), path.as_posix()
    protocol = text.split("://", 1)[0].lower()
    import fsspec

    options = _s3_options() if protocol in _OBJECT_STORE_PROTOCOLS else {}
    try:
        if protocol in _OBJECT_STORE_PROTOCOLS:
            fs = _object_store(protocol, options)
            root = fs._strip_protocol(text)
        else:
            fs, root = fsspec.core.url_to_fs(text, **options)
    except ImportError as exc:
        raise StoreError(
            f"cannot open the store {text}: {exc}",
            hint="install the file system's package, e.g. pip install 'moviebuild[s3]' for s3://",
        ) from exc
    except ValueError as exc:
        raise StoreError(f"cannot open the store {text}: {exc}") from exc
    return fs, str(root).rstrip("/")


_OBJECT_STORES: dict[str, Any] = {}


def _object_store(protocol: str, options: dict[str, Any]) -> Any:
    """One client per settings and AWS environment in this process: making one costs about a
    third of a second (botocore loads its service model), and stores opened again reuse it."""
    import fsspec

    aws = sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_"))
    key = hashlib.sha256(repr((protocol, options, aws)).encode()).hexdigest()
    fs = _OBJECT_STORES.get(key)
    if fs is None:
        inner = fsspec.filesystem(protocol, **options)
        # s3fs retries on its own up to 5 times on top of botocore; one bounded budget is ours.
        inner.retries = 1
        fs = _OBJECT_STORES[key] = DeadlineFS(inner, *transport_settings())
    return fs


#: The slowest upload rate a PUT's deadline allows for (bytes per second), on top of the
#: connect and read timeouts: 64 kB/s, so only a server that has stopped is cut off.
MIN_UPLOAD_RATE = 64_000


class DeadlineFS:
    """An object store's file system whose every call ends by a deadline: all its attempts'
    connect and read timeouts, plus the time a PUT's bytes take at ``MIN_UPLOAD_RATE``.

    botocore's read timeout does not cover every wait (a PUT sent with ``Expect: 100-continue``
    to a server that never answers waited forever), so the deadline is enforced around the
    whole call, on fsspec's own event loop, where it cancels the request.
    """

    _CALLS = frozenset(
        {"cat_file", "pipe_file", "ls", "find", "info", "rm_file", "rm", "mv", "exists",
         "size", "makedirs", "copy"}
    )

    def __init__(self, fs: Any, connect_s: float, read_s: float, attempts: int) -> None:
        self._fs = fs
        self._per_attempt_s = connect_s + read_s
        self._attempts = attempts

    @property
    def wrapped(self) -> Any:
        """The fsspec file system itself."""
        return self._fs

    def deadline_s(self, size: int = 0) -> float:
        """How long one call that sends ``size`` bytes may take, every attempt included."""
        return self._attempts * (self._per_attempt_s + size / MIN_UPLOAD_RATE) + 1.0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._fs, name)
        if name not in self._CALLS:
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            data = args[1] if name == "pipe_file" and len(args) > 1 else kwargs.get("value", b"")
            size = len(data) if isinstance(data, bytes | bytearray | memoryview) else 0
            kwargs.setdefault("timeout", self.deadline_s(size))
            return attribute(*args, **kwargs)

        return call


def is_object_store(fs: Any) -> bool:
    """Whether ``fs`` is an object store (atomic PUTs, conditional writes, no rename)."""
    protocols = fs.protocol if isinstance(fs.protocol, tuple | list) else (fs.protocol,)
    return any(p in _OBJECT_STORE_PROTOCOLS for p in protocols)


def _s3_options() -> dict[str, Any]:
    connect_s, read_s, attempts = transport_settings()
    client: dict[str, Any] = {}
    # botocore reads AWS_ENDPOINT_URL itself; naming it here also keeps fsspec's instance cache
    # from handing back a file system made for another endpoint.
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        client["endpoint_url"] = endpoint
    return {
        "skip_instance_cache": True,
        "use_listings_cache": False,
        # Above 1, every read starts with a HEAD to decide on ranged GETs; blobs are small.
        "max_concurrency": 1,
        "client_kwargs": client,
        "config_kwargs": {
            "connect_timeout": connect_s,
            "read_timeout": read_s,
            "retries": {"max_attempts": attempts, "mode": "standard"},
        },
    }


@contextlib.contextmanager
def transport_errors(action: str) -> Iterator[None]:
    """Translate what a file system raises when it fails into a ``StoreError`` saying ``action``."""
    try:
        yield
    except StoreError:
        raise
    except FileExistsError:
        raise  # a refused exclusive create: callers decide what it means
    except Exception as exc:
        error = store_error_from(action, exc)
        if error is None:
            raise
        raise error from exc


def store_error_from(action: str, exc: BaseException) -> StoreError | None:
    """The ``StoreError`` for a transport failure, or None when ``exc`` is not one (a bug)."""
    cause = _client_error(exc)
    if cause is not None:
        return _refusal(action, cause)
    name = type(exc).__name__
    for kind in type(exc).__mro__:
        hint = _KNOWN_FAILURES.get(kind.__name__)
        if hint is not None:
            reason, advice = hint
            return StoreError(f"{action}: {reason} ({_first_line(exc) or name})", hint=advice)
    if isinstance(exc, TimeoutError):  # asyncio.TimeoutError is this one since Python 3.11
        return StoreError(f"{action}: timed out", hint=_TIMEOUT_HINT)
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return StoreError(
                f"{action}: the disk is full",
                hint="free some space (moviebuild gc removes unused blobs), then run moviebuild "
                "again: finished work is kept",
            )
        reason = exc.strerror or _first_line(exc) or name
        if exc.errno in (errno.ENOTDIR, errno.EISDIR):
            return StoreError(
                f"{action}: {reason}",
                hint="an entry of the store has the wrong kind (a file where a folder belongs, "
                "or the reverse): `moviebuild fsck --repair` sets it aside, then run moviebuild "
                "again",
            )
        return StoreError(f"{action}: {reason}", hint="check the store's location and permissions")
    return None


_TIMEOUT_HINT = (
    "the store did not answer in time; check the endpoint, or raise "
    "MOVIEBUILD_STORE_READ_TIMEOUT_S"
)
_KNOWN_FAILURES: dict[str, tuple[str, str]] = {
    "NoCredentialsError": (
        "no credentials",
        "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) for the store",
    ),
    "PartialCredentialsError": (
        "incomplete credentials",
        "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    ),
    "EndpointConnectionError": (
        "the endpoint is unreachable",
        "check AWS_ENDPOINT_URL and the network, then run the command again",
    ),
    "ConnectTimeoutError": ("could not connect in time", _TIMEOUT_HINT),
    "ReadTimeoutError": ("timed out", _TIMEOUT_HINT),
    "FSTimeoutError": ("timed out", _TIMEOUT_HINT),
    "ClientConnectorError": (
        "the endpoint is unreachable",
        "check AWS_ENDPOINT_URL and the network, then run the command again",
    ),
    "ServerDisconnectedError": ("the server closed the connection", _TIMEOUT_HINT),
    "ConnectionClosedError": ("the server closed the connection", _TIMEOUT_HINT),
    "BotoCoreError": ("the S3 client failed", "check the store's settings and credentials"),
}


def _client_error(exc: BaseException) -> Any:
    """The botocore ``ClientError`` behind ``exc`` (s3fs raises OSErrors caused by one)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(getattr(seen, "response", None), dict) and "Error" in seen.response:  # type: ignore[attr-defined]
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def http_status(exc: BaseException) -> int | None:
    """The HTTP status of the S3 answer behind ``exc``, when it was one."""
    cause = _client_error(exc)
    if cause is None:
        return None
    status = cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return int(status) if status else None


def is_precondition_failed(exc: BaseException) -> bool:
    """Whether ``exc`` is a refused conditional write: a 412, whatever its body says."""
    if http_status(exc) == 412:
        return True
    cause = _client_error(exc)
    return cause is not None and cause.response["Error"].get("Code") in {
        "PreconditionFailed",
        "412",
    }


def _refusal(action: str, cause: Any) -> StoreError:
    error = cause.response.get("Error", {})
    code = str(error.get("Code") or "")
    status = cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    message = str(error.get("Message") or code or f"HTTP {status}")
    if code in {"NoSuchBucket"}:
        return StoreError(
            f"{action}: the bucket does not exist ({message})",
            hint="create the bucket, or fix the bucket name in the Moviefile's store:",
        )
    if code in {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied"} or status in (
        401,
        403,
    ):
        return StoreError(
            f"{action}: access denied ({code or status}: {message})",
            hint="check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the bucket's permissions",
        )
    if code in {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout"} or (
        isinstance(status, int) and status >= 500
    ):
        return StoreError(
            f"{action}: the store is unavailable ({code or status}: {message})",
            hint="wait a little and run the command again; finished work is kept",
        )
    return StoreError(
        f"{action}: the store refused the request ({code or status}: {message})",
        hint="check the store's settings and permissions",
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else ""
