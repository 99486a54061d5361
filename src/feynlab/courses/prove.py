"""Proving exercises: every reference solution passes, every starter, wrong and baseline
solution fails.

Each file is graded through the real sandbox and judge (one ``Runner`` for the whole check),
one grading per core at a time. A proof also asks the reference solution for twice the time
to spare: its run must take at most half of the exercise's wall limit.

The **baseline** (``baseline.py`` next to the wrong solutions) is the simplest solution that
skips the lesson's idea (k-means on raw pixels instead of an autoencoder, a Python loop instead
of whole-array NumPy, an agent that does not learn instead of Q-learning); the first line of
its docstring says what it skips. It must fail with feedback, like a wrong solution, and has
its own column in the table.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from feynlab import pysource
from feynlab.courses.content import Course, Exercise
from feynlab.courses.problems import Problem

if TYPE_CHECKING:
    from feynlab.grading.runner import Runner
    from feynlab.grading.verdicts import Verdict

Role = Literal["reference", "starter", "wrong", "baseline", "public-reference", "public-starter"]
BASELINE = "baseline.py"  # in <wrong_dir>/<course>/<exercise>/
SPARE_FACTOR = 2.0  # the reference must pass in at most 1/SPARE_FACTOR of the wall limit


@dataclass(frozen=True)
class Attempt:
    """One file to grade for one exercise, and what it is expected to do."""

    exercise: Exercise
    role: Role
    path: Path
    code: str


@dataclass
class Proof:
    """What grading an exercise's files showed."""

    exercise: Exercise
    wall_s: float
    reference: Verdict | None = None
    starter: Verdict | None = None
    wrong: list[tuple[Path, Verdict]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # the public checks (public.py, the page's Run): the solution passes them, the starter not
    public_reference: Verdict | None = None
    public_starter: Verdict | None = None
    # the simplest solution that skips the lesson's idea: it must fail
    baseline_path: Path | None = None
    baseline: Verdict | None = None

    @property
    def name(self) -> str:
        return f"{self.exercise.course}/{self.exercise.slug}"

    @property
    def rejected(self) -> int:
        return sum(1 for _, v in self.wrong if _rejected(v))


def wrong_solutions(wrong_dir: Path, exercise: Exercise) -> list[Path]:
    """``<wrong_dir>/<course>/<exercise>/*.py`` but the baseline, sorted (none when the folder
    is absent)."""
    folder = wrong_dir / exercise.course / exercise.slug
    return sorted(
        p
        for p in folder.glob("*.py")
        if p.is_file() and not p.name.startswith("_") and p.name != BASELINE
    )


def baseline_solution(wrong_dir: Path, exercise: Exercise) -> Path | None:
    """``<wrong_dir>/<course>/<exercise>/baseline.py`` when there is one."""
    path = wrong_dir / exercise.course / exercise.slug / BASELINE
    return path if path.is_file() else None


def what_it_skips(code: str) -> str | None:
    """The first line of the baseline's module docstring (None without one, or unparsable)."""
    try:
        doc = ast.get_docstring(pysource.parse(code))
    except SyntaxError:
        return None
    return doc.strip().splitlines()[0].strip() if doc and doc.strip() else None


def attempts(exercise: Exercise, wrong_dir: Path) -> list[Attempt]:
    found = [
        Attempt(exercise, "reference", exercise.solution_path, exercise.solution_path.read_text()),
        Attempt(exercise, "starter", exercise.directory / "starter.py", exercise.starter),
    ]
    found += [
        Attempt(exercise, "wrong", p, p.read_text()) for p in wrong_solutions(wrong_dir, exercise)
    ]
    baseline = baseline_solution(wrong_dir, exercise)
    if baseline is not None:
        found.append(Attempt(exercise, "baseline", baseline, baseline.read_text()))
    if exercise.has_public_checks:
        found += [
            Attempt(exercise, "public-reference", found[0].path, found[0].code),
            Attempt(exercise, "public-starter", found[1].path, found[1].code),
        ]
    return found


def _rejected(verdict: Verdict) -> bool:
    return verdict.status not in ("passed", "infra-error") and bool(verdict.feedback.strip())


def _rel(exercise: Exercise, name: str) -> str:
    return f"exercises/{exercise.slug}/{name}"


def _short(text: str | None, limit: int = 300) -> str:
    line = " ".join((text or "").split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _what(verdict: Verdict) -> str:
    detail = _short(verdict.feedback) or _short(verdict.error) or "no feedback"
    return f"{verdict.status}: {detail}"


def judge_proof(proof: Proof) -> None:
    """Turn the verdicts of ``proof`` into problems (one line each, for the author)."""
    ex, problems = proof.exercise, proof.problems
    ref = proof.reference
    if ref is not None:
        if ref.status != "passed":
            problems.append(
                Problem(
                    _rel(ex, "solution.py"),
                    None,
                    f"the reference solution must pass, got {_what(ref)}",
                )
            )
        elif ref.duration_s > proof.wall_s / SPARE_FACTOR:
            problems.append(
                Problem(
                    _rel(ex, "solution.py"),
                    None,
                    f"the reference solution took {ref.duration_s:.1f} s, more than half of the "
                    f"wall limit ({proof.wall_s:g} s): it needs twice the time to spare",
                )
            )
    starter = proof.starter
    if starter is not None and starter.status in ("passed", "infra-error"):
        problems.append(
            Problem(_rel(ex, "starter.py"), None, f"the starter must fail, got {_what(starter)}")
        )
    public = _rel(ex, "public.py")
    if proof.public_reference is not None and proof.public_reference.status != "passed":
        problems.append(
            Problem(public, None, "the reference solution must pass the public checks, got "
                    f"{_what(proof.public_reference)}")
        )  # fmt: skip
    if proof.public_starter is not None and proof.public_starter.status in (
        "passed",
        "infra-error",
    ):
        problems.append(
            Problem(public, None, "the starter must fail the public checks, got "
                    f"{_what(proof.public_starter)}")
        )  # fmt: skip
    if proof.baseline_path is not None:
        where = str(proof.baseline_path.resolve())
        if what_it_skips(proof.baseline_path.read_text()) is None:
            problems.append(
                Problem(where, None, "the baseline needs a docstring whose first line says "
                        "what it skips of the lesson")
            )  # fmt: skip
        base = proof.baseline
        if base is not None and base.status in ("passed", "infra-error"):
            problems.append(
                Problem(where, None, f"the baseline for {proof.name} (it skips the lesson's "
                        f"idea) must fail, got {_what(base)}")
            )  # fmt: skip
        elif base is not None and not base.feedback.strip():
            problems.append(
                Problem(where, None, f"the baseline for {proof.name} failed ({base.status}) "
                        "without feedback")
            )  # fmt: skip
    for path, verdict in proof.wrong:
        if verdict.status in ("passed", "infra-error"):
            message = f"this wrong solution for {proof.name} must fail, got {_what(verdict)}"
        elif not verdict.feedback.strip():
            message = (
                f"this wrong solution for {proof.name} failed ({verdict.status}) without feedback"
            )
        else:
            continue
        problems.append(Problem(str(path.resolve()), None, message))


def prove_courses(
    courses: Iterable[Course],
    *,
    runner: Runner,
    wrong_dir: Path,
    on_verdict: Callable[[Attempt, Verdict], None] | None = None,
) -> list[Proof]:
    """Grade every exercise's reference, starter and wrong solutions; one Proof per exercise."""
    proofs: dict[tuple[str, str], Proof] = {}
    jobs: list[Attempt] = []
    for course in courses:
        for ex in course.exercises:
            wall_s = runner.limits_for(ex.gradable()).wall_s
            proofs[(ex.course, ex.slug)] = Proof(exercise=ex, wall_s=wall_s)
            jobs += attempts(ex, wrong_dir)

    def grade(attempt: Attempt) -> tuple[Attempt, Verdict]:
        gradable = attempt.exercise.gradable()
        if attempt.role.startswith("public-"):
            gradable = gradable.public_checks()
        verdict = runner.grade(exercise=gradable, code=attempt.code)
        if on_verdict is not None:
            on_verdict(attempt, verdict)
        return attempt, verdict

    with ThreadPoolExecutor(max_workers=max(1, runner.sandbox.workers)) as pool:
        for attempt, verdict in pool.map(grade, jobs):
            proof = proofs[(attempt.exercise.course, attempt.exercise.slug)]
            if attempt.role == "reference":
                proof.reference = verdict
            elif attempt.role == "starter":
                proof.starter = verdict
            elif attempt.role == "public-reference":
                proof.public_reference = verdict
            elif attempt.role == "public-starter":
                proof.public_starter = verdict
            elif attempt.role == "baseline":
                proof.baseline_path, proof.baseline = attempt.path, verdict
            else:
                proof.wrong.append((attempt.path, verdict))
    for proof in proofs.values():
        judge_proof(proof)
    return list(proofs.values())


def _value(verdict: Verdict, metric: str) -> float | None:
    return verdict.score if metric == "score" else verdict.metrics.get(metric)


def _figure(proof: Proof) -> str:
    ref, bar = proof.reference, proof.exercise.pass_bar
    if ref is None:
        return "-"
    value = _value(ref, bar.metric)
    shown = "none" if value is None else f"{value:.4g}"
    margin = f" +{value - bar.at_least:.3g}" if value is not None and value > bar.at_least else ""
    return f"{bar.metric} {shown} (bar {bar.at_least:g}){margin}"


def _baseline(proof: Proof) -> str:
    base = proof.baseline
    if base is None:
        return "none" if proof.baseline_path is None else "-"
    value = _value(base, proof.exercise.pass_bar.metric)
    return base.status if value is None else f"{base.status}: {value:.4g}"


def table(proofs: list[Proof]) -> list[str]:
    """The proof table: one row per exercise."""
    head = (
        "exercise",
        "reference figure vs bar",
        "time / limit",
        "starter",
        "baseline",
        "wrong rejected",
        "",
    )
    rows = [head]
    for p in proofs:
        ref = p.reference
        rows.append(
            (
                p.name,
                f"{ref.status if ref else '-'}: {_figure(p)}",
                f"{ref.duration_s:.2f} s / {p.wall_s:g} s" if ref else "-",
                p.starter.status if p.starter else "-",
                _baseline(p),
                f"{p.rejected}/{len(p.wrong)}",
                "ok" if not p.problems else f"{len(p.problems)} problem(s)",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
