"""The Result every function of the Python API returns (``import critmin as cm``).

A Result is a frozen pydantic model holding one answer in its JSON form
(:mod:`critmin.jsonform`): the same value ``critmin <command> --json`` prints and the HTTP API
returns for the same question. It also keeps the question (``request``: the keyword
arguments after resolution, e.g. ``"cobalts"`` is refused but ``"Co"`` becomes
``"cobalt"``) and says where its main table sits (``table``), which
:meth:`Result.to_polars` and :meth:`Result.to_pandas` return as a data frame.

>>> from critmin.results import Result
>>> r = Result(question="demo", request={}, answer={"rows": [{"a": 1}, {"a": 2}]}, table=("rows",))
>>> r.to_dict()
{'rows': [{'a': 1}, {'a': 2}]}
>>> r["rows"][1]
{'a': 2}
>>> r.to_polars().shape
(2, 1)
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Self

from pydantic import BaseModel, ConfigDict

from critmin.jsonform import jsonable

if TYPE_CHECKING:
    import polars as pl


class Result(BaseModel):
    """One answer of the Python API.

    - ``question``: the capability that answered (``"concentration"``, ``"floor"``...).
    - ``request``: the keyword arguments it was asked with, after resolution.
    - ``answer``: the JSON-ready answer; :meth:`to_dict` returns a copy.
    - ``table``: the keys that lead from ``answer`` to its main table, a list of rows
      (``()``: the answer is itself the list of rows).
    """

    model_config = ConfigDict(frozen=True)

    question: str
    request: dict[str, Any]
    answer: Any
    table: tuple[str, ...] = ()

    @classmethod
    def of(cls, question: str, request: dict[str, Any], answer: Any, **extra: Any) -> Self:
        """A Result of ``answer`` in its JSON form (dates as text, NaN as None)."""
        return cls(question=question, request=jsonable(request), answer=jsonable(answer), **extra)

    def to_dict(self) -> Any:
        """The answer as ``--json`` prints it and the HTTP API returns it: a dict, or for the
        list answers (controls, exposure, ledger rows...) a list of row dicts. A copy."""
        return copy.deepcopy(self.answer)

    def __getitem__(self, key: Any) -> Any:
        """``result[key]``: the answer's item (a key of a dict answer, an index of a list)."""
        return copy.deepcopy(self.answer[key])

    def rows(self) -> list[dict[str, Any]]:
        """The main table as a list of row dicts (see ``table``)."""
        value: Any = self.answer
        for key in self.table:
            value = value[key] if value is not None else None
        return copy.deepcopy(list(value or []))

    def to_polars(self) -> pl.DataFrame:
        """The main table (:meth:`rows`) as a polars DataFrame, one row per row dict; nested
        values become structs and lists. An empty table is a frame without columns."""
        import polars as pl

        rows = self.rows()
        if not rows:
            return pl.DataFrame()
        return pl.DataFrame(rows, infer_schema_length=None, strict=False)

    def to_pandas(self) -> Any:
        """The main table as a pandas DataFrame (through :meth:`to_polars`). pandas is not a
        dependency of critmin: install it (and pyarrow) to use this."""
        import importlib.util

        if importlib.util.find_spec("pandas") is None:
            raise ImportError(
                "Result.to_pandas needs pandas, which critmin does not install: "
                "`pip install pandas pyarrow`, or use .to_polars()",
                name="pandas",
            )
        return self.to_polars().to_pandas()
