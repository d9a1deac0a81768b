"""How an uncertain parameter is written in YAML: one form for scenarios and stage models.

A distribution is a mapping that names its family under ``dist:`` and gives the family's
parameters beside it::

    {dist: fixed, value: 2.0}
    {dist: uniform, low: 0.1, high: 0.4}
    {dist: triangular, low: 0.05, mode: 0.1, high: 0.2}
    {dist: lognormal, median: 4, sigma: 0.4}

``kind:`` is accepted in place of ``dist:``: it is how the first stage models were written, and
override files in that spelling keep working. Giving both is refused unless they agree. Which
families and extra keys a loader takes is its own (a disruption scenario: the four above; a
project stage model: fixed, triangular and lognormal, with ``shift``, ``p_zero`` and the
``source:``/``assumption:`` every parameter states); docs/method.md has the table.

:func:`dist_form` is the one parser both loaders run before validating a distribution.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

KEY = "dist"
ALIAS = "kind"


def dist_form(value: Any, key: str = KEY) -> Any:
    """``value`` with its family under ``key`` (the name the model stores it by) when it is a
    mapping that names its family as ``dist:`` or ``kind:``; anything else as given, for the
    model to refuse with its own message.

    >>> dist_form({"kind": "uniform", "low": 0, "high": 1})
    {'low': 0, 'high': 1, 'dist': 'uniform'}
    >>> dist_form({"dist": "fixed", "value": 2}, key="kind")
    {'value': 2, 'kind': 'fixed'}
    """
    if not isinstance(value, Mapping):
        return value
    spellings = [k for k in (KEY, ALIAS) if k in value]
    if not spellings or spellings == [key]:
        return value
    families = {str(value[k]) for k in spellings}
    if len(families) > 1:
        raise ValueError(
            f"dist: {value[KEY]!r} and kind: {value[ALIAS]!r} differ; give the family once"
        )
    out = {k: v for k, v in value.items() if k not in spellings}
    out[key] = value[spellings[0]]
    return out
