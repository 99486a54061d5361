"""The little the grading layer needs to know about an exercise, read from its folder."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class ExerciseNotFound(Exception):
    """No exercise folder for COURSE/EXERCISE, or its exercise.yaml is unusable."""


@dataclass(frozen=True)
class PassBar:
    metric: str
    at_least: float


@dataclass(frozen=True)
class GradableExercise:
    course: str
    slug: str
    directory: Path
    entrypoint: str
    pass_bar: PassBar | None
    limits: dict[str, Any] = field(default_factory=dict)

    @property
    def grader_path(self) -> Path:
        return self.directory / "grader.py"


def load_exercise(courses_dir: Path, target: str) -> GradableExercise:
    """Read ``<courses_dir>/<course>/exercises/<slug>/exercise.yaml`` for ``course/slug``."""
    course, _, slug = target.partition("/")
    if not (SLUG.match(course) and SLUG.match(slug)):
        raise ExerciseNotFound(f"{target!r} is not of the form COURSE/EXERCISE")
    directory = courses_dir / course / "exercises" / slug
    spec_path = directory / "exercise.yaml"
    if not spec_path.is_file():
        raise ExerciseNotFound(f"unknown exercise {target!r} (no {spec_path})")
    if not (directory / "grader.py").is_file():
        raise ExerciseNotFound(f"exercise {target!r} has no grader.py")
    try:
        spec = yaml.safe_load(spec_path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ExerciseNotFound(f"{spec_path} is not valid YAML: {exc}") from None
    bar = spec.get("pass")
    pass_bar = (
        PassBar(str(bar["metric"]), float(bar["at_least"]))
        if isinstance(bar, dict) and "metric" in bar and "at_least" in bar
        else None
    )
    return GradableExercise(
        course=course,
        slug=slug,
        directory=directory,
        entrypoint=str(spec.get("entrypoint", "")),
        pass_bar=pass_bar,
        limits=dict(spec.get("limits") or {}),
    )
