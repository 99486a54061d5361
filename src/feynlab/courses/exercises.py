"""Loading and checking one exercise folder: exercise.yaml and its Python files."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from feynlab import pysource
from feynlab.courses.content import Exercise
from feynlab.courses.files import CourseFiles
from feynlab.courses.formats import ExerciseFile
from feynlab.courses.mathcheck import check_math
from feynlab.courses.problems import Problem
from feynlab.courses.yamltext import parse_yaml, validate

PYTHON_FILES = ("starter.py", "solution.py", "grader.py")
PUBLIC_FILE = "public.py"  # optional: the public checks the exercise page's Run button runs
# Stand-ins used only to go on checking an exercise.yaml that has errors.
UNKNOWN_LESSON = "0-unknown"
UNKNOWN_ENTRYPOINT = "_"


@dataclass(frozen=True)
class ParsedExercise:
    exercise: Exercise | None
    spec: ExerciseFile | None
    problems: list[Problem]


def _read(files: CourseFiles, rel: str, problems: list[Problem]) -> str | None:
    try:
        return files.read(rel)
    except UnicodeDecodeError:
        problems.append(Problem(rel, None, "not UTF-8 text"))
    except (OSError, PermissionError) as exc:
        problems.append(Problem(rel, None, f"cannot be read: {exc}"))
    return None


def _functions(source: str, rel: str, problems: list[Problem]) -> set[str] | None:
    try:
        tree = pysource.parse(source, rel)
    except SyntaxError as exc:
        problems.append(Problem(rel, exc.lineno, f"Python syntax error: {exc.msg}"))
        return None
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


def _check_python(
    files: CourseFiles, folder: str, entrypoint: str | None, listed: bool, problems: list[Problem]
) -> str | None:
    """Check the three Python files; return the starter's text."""
    starter: str | None = None
    for name in PYTHON_FILES:
        rel = f"{folder}/{name}"
        if not files.exists(rel):
            if listed:
                problems.append(Problem(rel, None, f"missing: every exercise needs {name}"))
            continue
        source = _read(files, rel, problems)
        if source is None:
            continue
        defined = _functions(source, rel, problems)
        if name == "starter.py":
            starter = source
        if defined is None:
            continue
        wanted = "grade" if name == "grader.py" else entrypoint
        if wanted and wanted != UNKNOWN_ENTRYPOINT and wanted not in defined:
            problems.append(Problem(rel, 1, f"{name} must define `{wanted}` at the top level"))
    return starter


def _check_public(files: CourseFiles, folder: str, problems: list[Problem]) -> bool:
    """Check ``public.py`` when there is one; True when the exercise has public checks."""
    rel = f"{folder}/{PUBLIC_FILE}"
    if not files.exists(rel):
        return False
    source = _read(files, rel, problems)
    defined = None if source is None else _functions(source, rel, problems)
    if defined is not None and "grade" not in defined:
        problems.append(
            Problem(
                rel, 1, "public.py must define `grade(judge)` at the top level (docs/authoring.md)"
            )
        )
    return True


def _fallback(slug: str) -> dict[str, object]:
    """Stand-ins for wrong or missing keys, so that the other files still get checked."""
    return {
        "title": slug,
        "lesson": UNKNOWN_LESSON,
        "statement": "-",
        "entrypoint": UNKNOWN_ENTRYPOINT,
        "pass": {"metric": "-", "at_least": 0},
    }


def parse_exercise(files: CourseFiles, *, course: str, slug: str, listed: bool) -> ParsedExercise:
    """Load ``exercises/<slug>/``; a folder not listed in course.yaml may still be incomplete."""
    folder = f"exercises/{slug}"
    rel = f"{folder}/exercise.yaml"
    problems: list[Problem] = []
    spec: ExerciseFile | None = None
    if not files.exists(rel):
        if listed:
            problems.append(Problem(rel, None, "missing: every exercise needs an exercise.yaml"))
    else:
        text = _read(files, rel, problems)
        if text is not None:
            doc, found = parse_yaml(text, file=rel)
            problems += found
            if not found:
                spec, found = validate(
                    ExerciseFile, doc, file=rel, what="exercise.yaml", fallback=_fallback(slug)
                )
                problems += found
            if spec is not None:
                line = doc.line_of(("statement",))
                problems += check_math(spec.statement, file=rel, first_line=line)
                for index, hint in enumerate(spec.hints):
                    problems += check_math(hint, file=rel, first_line=doc.line_of(("hints", index)))
    starter = _check_python(files, folder, spec.entrypoint if spec else None, listed, problems)
    has_public = _check_public(files, folder, problems)
    if spec is None or starter is None or problems:
        return ParsedExercise(None, spec, problems)
    exercise = Exercise(
        course=course,
        slug=slug,
        title=spec.title,
        lesson=spec.lesson,
        statement=spec.statement,
        entrypoint=spec.entrypoint,
        pass_bar=spec.pass_bar,
        limits=spec.limits,
        view=spec.view,
        hints=tuple(spec.hints),
        directory=(files.root / folder).resolve(),
        starter=starter,
        max_code_kb=spec.max_code_kb,
        daily_submissions=spec.daily_submissions,
        rules=tuple(spec.rules),
        training_s=spec.training_s,
        has_public_checks=has_public,
        zygote=spec.zygote,
    )
    return ParsedExercise(exercise, spec, problems)
