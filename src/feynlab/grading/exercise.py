"""The little the grading layer needs of an exercise: its folder, entry point, bar and limits.

It is built from the one validated reader (``feynlab.courses``: ``Exercise.gradable()``), never
read from YAML here. A submission stores its ``spec()`` when it is made, so that any worker grades
it with the version of the exercise it was made against, whatever has changed since.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class ExerciseNotFound(Exception):
    """No exercise COURSE/EXERCISE, or its course folder does not load."""


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
    view: dict[str, Any] | None = None  # the validated ``view:`` block, for the judge
    # True: the exercise page's Run, graded by the public checks (public.py), without hidden data
    checks: bool = False
    # the zygote profile exercise.yaml declares (numpy | sklearn | keras; None: inferred from
    # the learner's imports, feynlab.sandbox.zygote.profile_of)
    zygote: str | None = None

    @property
    def grader_path(self) -> Path:
        return self.directory / ("public.py" if self.checks else "grader.py")

    def public_checks(self) -> GradableExercise:
        """This exercise as its public checks run it (public.py; the grader host gets no hidden
        data)."""
        return dataclasses.replace(self, checks=True)

    def spec(self) -> dict[str, Any]:
        """What a submission records of its exercise (JSON): everything but the folder."""
        bar = self.pass_bar
        return {
            "entrypoint": self.entrypoint,
            "pass": None if bar is None else {"metric": bar.metric, "at_least": bar.at_least},
            "limits": dict(self.limits),
            "view": None if self.view is None else dict(self.view),
            **({"checks": True} if self.checks else {}),
            **({"zygote": self.zygote} if self.zygote else {}),
        }

    @classmethod
    def from_spec(
        cls, *, courses_dir: Path, course: str, slug: str, spec: dict[str, Any]
    ) -> GradableExercise:
        """The exercise as a submission recorded it (``spec()``), in ``courses_dir``."""
        if not (SLUG.match(course) and SLUG.match(slug)):
            raise ExerciseNotFound(f"{course}/{slug} is not a valid exercise name")
        bar = spec.get("pass")
        return cls(
            course=course,
            slug=slug,
            directory=courses_dir / course / "exercises" / slug,
            entrypoint=str(spec.get("entrypoint", "")),
            pass_bar=None if not bar else PassBar(str(bar["metric"]), float(bar["at_least"])),
            limits=dict(spec.get("limits") or {}),
            view=spec.get("view"),
            checks=bool(spec.get("checks", False)),
            zygote=str(spec["zygote"]) if spec.get("zygote") else None,
        )
