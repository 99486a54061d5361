"""``courses/catalog.yaml``: the suggested order in which the catalog lists the courses."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from feynlab.courses.formats import Slug
from feynlab.courses.problems import Problem
from feynlab.courses.yamltext import parse_yaml, validate

CATALOG = "catalog.yaml"


class _Listed(Protocol):
    @property
    def slug(self) -> str: ...
    @property
    def title(self) -> str: ...


T = TypeVar("T", bound=_Listed)


class CatalogFile(BaseModel):
    """``catalog.yaml``: ``order`` lists course slugs, the first one the place to start."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    order: list[Slug] = Field(default_factory=list)


def read_order(courses_dir: Path) -> tuple[list[str], list[Problem]]:
    """The listed order (empty without a catalog file) and the file's problems, a listed course
    without a folder among them."""
    path = courses_dir / CATALOG
    if not path.is_file():
        return [], []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(CATALOG, 0, f"cannot be read: {exc}")]
    doc, problems = parse_yaml(text, file=CATALOG)
    if problems:
        return [], problems
    found, problems = validate(CatalogFile, doc, file=CATALOG, what="the catalog file")
    if found is None:
        return [], problems
    seen: set[str] = set()
    for index, slug in enumerate(found.order):
        line = doc.line_of(("order", index))
        if slug in seen:
            problems.append(Problem(CATALOG, line, f"course {slug!r} is listed twice"))
        seen.add(slug)
        if not (courses_dir / slug / "course.yaml").is_file():
            problems.append(
                Problem(CATALOG, line, f"course {slug!r} is listed but has no folder {slug}/")
            )
    return list(dict.fromkeys(found.order)), problems


def in_order(items: Sequence[T], order: list[str]) -> list[T]:
    """``items`` in catalog order; unlisted ones after the listed, by title."""
    rank = {slug: i for i, slug in enumerate(order)}
    return sorted(items, key=lambda item: (rank.get(item.slug, len(rank)), item.title.lower()))
