"""YAML parsing that remembers the line of every key and item, and Pydantic validation whose
errors come back as problems pointing at those lines."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from feynlab.courses.problems import Problem

Path_ = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass
class YamlDoc:
    """A parsed YAML document: its value and the 1-based file line of each key path."""

    value: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    first_line: int = 1

    def line_of(self, path: tuple[Any, ...]) -> int:
        """The line of ``path`` or of its nearest parent that has one."""
        for end in range(len(path), 0, -1):
            found = self.lines.get(tuple(path[:end]))
            if found is not None:
                return found
        return self.first_line


class _Constructor(yaml.SafeLoader):
    """Only used to turn scalar nodes into Python values with the safe rules."""


ALIASES_REFUSED = (
    "YAML anchors and aliases (&name, *name, <<: *name) are not allowed in course files: "
    "write the value out in full where it is used"
)


class _Refused(yaml.MarkedYAMLError):
    pass


class _NoAliasLoader(yaml.SafeLoader):
    """The safe loader without anchors and aliases: a 377-byte "billion laughs" file expanded
    into billions of nodes (224 s of CPU in one check) and a recursive alias gave a 500."""

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused(problem=ALIASES_REFUSED, problem_mark=event.start_mark)
        return super().compose_node(parent, index)  # type: ignore[no-any-return]


def _scalar(node: yaml.Node) -> Any:
    return _Constructor("").construct_object(node, deep=True)


def _build(
    node: yaml.Node, path: Path_, doc: YamlDoc, offset: int, file: str, problems: list[Problem]
) -> Any:
    doc.lines.setdefault(path, node.start_mark.line + 1 + offset)
    if isinstance(node, yaml.MappingNode):
        result: dict[Hashable, Any] = {}
        for key_node, value_node in node.value:
            key = _build(key_node, (*path, "<key>"), YamlDoc(None), offset, file, problems)
            if not isinstance(key, str | int | float | bool) or key is None:
                key = str(key)
            line = key_node.start_mark.line + 1 + offset
            if key in result:
                problems.append(Problem(file, line, f"duplicate key {key!r}"))
            child = (*path, key) if isinstance(key, str | int) else (*path, str(key))
            doc.lines[child] = line
            result[key] = _build(value_node, child, doc, offset, file, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(item, (*path, index), doc, offset, file, problems)
            for index, item in enumerate(node.value)
        ]
    return _scalar(node)


def parse_yaml(text: str, *, file: str, line_offset: int = 0) -> tuple[YamlDoc, list[Problem]]:
    """Parse ``text``; line numbers are shifted by ``line_offset`` (the lines above it)."""
    try:
        node = yaml.compose(text, Loader=_NoAliasLoader)
    except RecursionError:
        return YamlDoc(None, first_line=line_offset + 1), [
            Problem(
                file,
                line_offset + 1,
                "invalid YAML: nested too deeply (lists or mappings "
                "inside each other hundreds of levels deep)",
            )
        ]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else line_offset + 1
        reason = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        return YamlDoc(None, first_line=line_offset + 1), [
            Problem(file, line, f"invalid YAML: {reason or exc}")
        ]
    except yaml.YAMLError as exc:
        return YamlDoc(None, first_line=line_offset + 1), [
            Problem(file, line_offset + 1, f"invalid YAML: {exc}")
        ]
    doc = YamlDoc(None, first_line=line_offset + 1)
    problems: list[Problem] = []
    if node is not None:
        try:
            doc.value = _build(node, (), doc, line_offset, file, problems)
        except RecursionError:
            doc.value = None
            problems.append(Problem(file, line_offset + 1, "invalid YAML: nested too deeply"))
    return doc, problems


def _message(error: Any) -> str:
    loc = tuple(error.get("loc", ()))
    where = ".".join(str(part) for part in loc)
    kind = error.get("type")
    if kind == "extra_forbidden":
        return f"unknown key {where!r}"
    if kind == "missing":
        return f"missing required key {where!r}"
    text = str(error.get("msg", "invalid value"))
    return f"{where}: {text}" if where else text


def validate(
    model: type[M], doc: YamlDoc, *, file: str, what: str, fallback: dict[str, Any] | None = None
) -> tuple[M | None, list[Problem]]:
    """Validate ``doc.value`` against ``model``; every error becomes a problem at its line.

    With ``fallback``, a mapping with errors is salvaged (the wrong keys dropped, missing ones
    taken from ``fallback``) so that checking can go on and report the rest of the folder's
    problems too; the problems are returned all the same."""
    if not isinstance(doc.value, dict):
        kind = "empty" if doc.value is None else type(doc.value).__name__
        return None, [Problem(file, doc.first_line, f"{what} must be a YAML mapping, not {kind}")]
    try:
        return model.model_validate(doc.value), []
    except ValidationError as exc:
        problems = []
        wrong: set[str] = set()
        for error in exc.errors():
            loc = tuple(error.get("loc", ()))
            # Missing keys have no line of their own: point at the mapping that lacks them.
            target = loc[:-1] if error.get("type") == "missing" else loc
            problems.append(Problem(file, doc.line_of(target), _message(error)))
            if loc:
                wrong.add(str(loc[0]))
    if fallback is None:
        return None, problems
    salvaged = {k: v for k, v in doc.value.items() if str(k) not in wrong}
    for key, value in fallback.items():
        salvaged.setdefault(key, value)
    try:
        return model.model_validate(salvaged), problems
    except ValidationError:
        return None, problems
