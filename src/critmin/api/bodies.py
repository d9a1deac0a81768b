"""Checks of a JSON request body that FastAPI's parser does not make.

``json.loads`` keeps the last of two equal keys (``{"preset": "a", "preset": "b"}`` reads as
``{"preset": "b"}``), so a client that sent two values would get an answer to a question it
may not have meant. :func:`duplicate_key` finds the first key given twice in any object of
the body, with the path to it, so that the request can be refused naming it.
"""

from __future__ import annotations

import json
from typing import Any


class _Object(dict[str, Any]):
    """A decoded JSON object that remembers the keys it was given more than once."""

    repeated: list[str]


def _pairs(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object()
    obj.repeated = []
    for key, value in pairs:
        if key in obj and key not in obj.repeated:
            obj.repeated.append(key)
        obj[key] = value
    return obj


def duplicate_key(body: bytes) -> str | None:
    """The dotted path (``preset``, ``contract.floor``, ``models.0.kind``) of the first key
    repeated inside one JSON object of ``body``, or None: no repeat, or not JSON at all (the
    route's own parser reports that)."""
    try:
        doc = json.loads(body, object_pairs_hook=_pairs)
    except (ValueError, RecursionError):
        return None
    stack: list[tuple[str, Any]] = [("", doc)]
    while stack:  # iterative: a body nested thousands deep must not recurse here
        prefix, node = stack.pop(0)
        if isinstance(node, _Object):
            if node.repeated:
                return prefix + node.repeated[0]
            stack.extend((f"{prefix}{k}.", v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((f"{prefix}{i}.", v) for i, v in enumerate(node))
    return None
