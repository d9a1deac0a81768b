"""What every route module shares: the gate to the Python API, the CLI's JSON form, the token.

- :func:`call` runs one Python API function (the one the CLI command calls) and returns its
  result exactly as ``--json`` prints it: the CLI's own encoder (dates as ISO strings, NaN and
  infinity as null, numpy values as numbers), then parsed back. A test holds API == CLI.
- Calls pass one at a time through a process-wide gate. DuckDB refuses a read-only and a
  read-write connection to the same file inside one process, and simulations are CPU-bound:
  one at a time keeps both safe, and the request caps keep each call short. A call that waits
  longer than GATE_TIMEOUT_S is a 503 with Retry-After.
- :func:`require_token` guards writes: ``Authorization: Bearer`` equal to CRITMIN_API_TOKEN,
  compared in constant time; with no token configured, every write is refused (403).
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from critmin.errors import StoreBusyError

GATE_TIMEOUT_S = 30.0
_GATE = threading.Lock()


def jsonable(obj: Any) -> Any:
    """``obj`` as the CLI's ``--json`` prints it, parsed back into Python values."""
    from critmin.jsonform import jsonable as form  # the CLI's encoder (critmin.jsonform)

    return form(obj)


def call(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` under the gate, its result in the CLI's JSON form."""
    if not _GATE.acquire(timeout=GATE_TIMEOUT_S):
        raise StoreBusyError("server busy with other requests; retry shortly")
    try:
        result = fn(*args, **kwargs)
    finally:
        _GATE.release()
    return jsonable(result)


bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="The server's CRITMIN_API_TOKEN. Needed for writes only.",
)


def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """Let a write through only with the configured bearer token (constant-time compare)."""
    expected = getattr(request.app.state, "api_token", None)  # a str, or None: writes refused
    if not expected:
        raise HTTPException(
            403, "writes are disabled: the server has no CRITMIN_API_TOKEN configured"
        )
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "missing bearer token (Authorization: Bearer ...)", challenge)
    if not hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise HTTPException(401, "wrong bearer token", challenge)


Writer = Depends(require_token)
