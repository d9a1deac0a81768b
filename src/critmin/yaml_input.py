"""YAML that users hand in (ledger rows, floor definitions, scenarios, stage models, brief
options): ``yaml.safe_load`` with three guards, every refusal a ``yaml.YAMLError`` with its line,
so each caller reports it as it reports any malformed YAML (one line, exit code 2).

- Aliases (``*name``) are refused: a few hundred bytes of nested aliases stand for billions of
  nodes (the "billion laughs"), which the first repr or JSON dump of the value would expand.
- Nesting deeper than MAX_DEPTH levels is refused: the loader recurses once per level, and a
  file of a thousand ``[`` would otherwise end in RecursionError.
- A scalar that looks like a date or an integer but is not one (``2026-02-30``, an integer of
  more digits than Python converts) stays text, so the model that validates it names the field.
- A mapping key must be text (``1: x``, ``true: x``, ``null: x`` are refused: every field name
  is a string) and may appear once per mapping (a second ``preset:`` would otherwise win
  silently); the refusal names the key and its line.

Files are read through :mod:`critmin.files` (a regular file of at most MAX_YAML_BYTES), so a
FIFO, a device, a folder or an oversize file is one line naming the option it was given as.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode

MAX_DEPTH = 64


class _Loader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise ComposerError(None, None, "aliases (*name) are not accepted", mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise ComposerError(None, None, f"nested over {MAX_DEPTH} levels deep", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            self.flatten_mapping(node)
            seen: set[str] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                mark = key_node.start_mark
                if not isinstance(key, str):
                    raise ConstructorError(
                        None, None, f"a key must be text, not {_shown(key)}", mark
                    )
                if key in seen:
                    raise ConstructorError(None, None, f"duplicate key {key!r}", mark)
                seen.add(key)
        return super().construct_mapping(node, deep)

    def _or_text(self, node: ScalarNode, construct: Any) -> Any:
        try:
            return construct(self, node)
        except ValueError:  # an impossible date, an integer too long to convert
            return self.construct_scalar(node)

    def construct_timestamp_or_text(self, node: ScalarNode) -> Any:
        return self._or_text(node, yaml.SafeLoader.construct_yaml_timestamp)

    def construct_int_or_text(self, node: ScalarNode) -> Any:
        return self._or_text(node, yaml.SafeLoader.construct_yaml_int)


def _shown(key: Any) -> str:
    text = repr(key)
    return f"{type(key).__name__} {text[:40]}"


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_timestamp_or_text)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_int_or_text)


def load_yaml(text: str) -> Any:
    """The one YAML document in ``text`` (module docstring: what is refused)."""
    return yaml.load(text, Loader=_Loader)


def parse_yaml(text: str, file: str | None = None, field: str | None = None) -> Any:
    """:func:`load_yaml`, with a refusal as one InputError: the file, the line and what the
    parser found (``field``: the option or key the text was given as)."""
    from critmin.errors import InputError

    try:
        return load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None)
        if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow
            ch = exc.character
            problem = f"character U+{ch if isinstance(ch, int) else ord(ch):04X} is not allowed"
            line = text.count("\n", 0, exc.position) + 1
        problem = f": {problem}" if problem else ""
        raise InputError(f"malformed YAML{problem}", file=file, line=line, field=field) from None


def read_yaml(path: Path | str, field: str | None = None) -> Any:
    """The YAML document in a file; a file that cannot be read or is not UTF-8 text is one
    InputError naming it, and so is YAML that :func:`parse_yaml` refuses."""
    from critmin.files import MAX_YAML_BYTES, read_input_text

    p = Path(path)
    text = read_input_text(p, field or "file", MAX_YAML_BYTES)
    return parse_yaml(text, str(p), field)
