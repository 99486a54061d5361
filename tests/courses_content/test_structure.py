"""The four courses follow the course-folder contract (docs/dev-guide.md) and the issue's
content rules: every lesson has a runnable cell and a quiz, every exercise its files and hints."""

from __future__ import annotations

import ast
import re

import pytest
import yaml

from feynlab.courses.formats import ExerciseFile

from .conftest import COURSES, COURSES_DIR, exercises

FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)
MAIN_EXERCISES = {
    "unsupervised-1": "fashion-clusters",
    "supervised-1": "mnist-classifier",
    "supervised-2": "fashion-cnn",
    "qlearning-snake": "snake-3x3",
    "evaluating-models": "predict-your-score",
}


def lesson_parts(course: str, lesson: str) -> tuple[dict, dict[str, list[str]]]:
    text = (COURSES_DIR / course / "lessons" / f"{lesson}.md").read_text()
    _, front, body = text.split("---\n", 2)
    blocks: dict[str, list[str]] = {}
    for kind, content in FENCE.findall(body):
        blocks.setdefault(kind, []).append(content)
    return yaml.safe_load(front), blocks


@pytest.mark.parametrize("course", COURSES)
def test_course_manifest(course: str) -> None:
    spec = yaml.safe_load((COURSES_DIR / course / "course.yaml").read_text())
    assert spec["slug"] == course
    assert spec["level"] in {"beginner", "intermediate", "advanced"}
    assert spec["title"] and spec["summary"]
    assert MAIN_EXERCISES[course] in spec["exercises"]
    assert len(spec["exercises"]) >= 3, "a main exercise and at least two warm-ups"
    for lesson in spec["lessons"]:
        assert (COURSES_DIR / course / "lessons" / f"{lesson}.md").is_file()
    placed = []
    for lesson in spec["lessons"]:
        placed += lesson_parts(course, lesson)[0].get("exercises", [])
    assert sorted(placed) == sorted(spec["exercises"]), "each exercise placed in one lesson"


@pytest.mark.parametrize("course", COURSES)
def test_lessons_have_code_quiz_and_math(course: str) -> None:
    spec = yaml.safe_load((COURSES_DIR / course / "course.yaml").read_text())
    for lesson in spec["lessons"]:
        front, blocks = lesson_parts(course, lesson)
        assert front["title"], lesson
        assert blocks.get("python"), f"{lesson} has no python cell"
        for cell in blocks["python"]:
            ast.parse(cell)
        assert blocks.get("quiz"), f"{lesson} has no quiz"
        for raw in blocks["quiz"]:
            quiz = yaml.safe_load(raw)
            assert set(quiz) <= {"id", "question", "type", "choices", "explanation"}, quiz
            assert quiz["type"] in {"single", "multiple"}
            right = [c for c in quiz["choices"] if c.get("correct")]
            assert right and (quiz["type"] == "multiple" or len(right) == 1), quiz["id"]
            assert quiz["explanation"]
        text = (COURSES_DIR / course / "lessons" / f"{lesson}.md").read_text()
        assert text.count("$$") % 2 == 0, f"{lesson}: unbalanced $$"


@pytest.mark.parametrize("target", exercises())
def test_exercise_folder(target: str) -> None:
    course, slug = target.split("/")
    folder = COURSES_DIR / course / "exercises" / slug
    spec = yaml.safe_load((folder / "exercise.yaml").read_text())
    allowed = {field.alias or name for name, field in ExerciseFile.model_fields.items()}
    assert set(spec) <= allowed and {"title", "lesson", "statement", "entrypoint"} <= set(spec)
    assert (COURSES_DIR / course / "lessons" / f"{spec['lesson']}.md").is_file()
    assert set(spec["pass"]) == {"metric", "at_least"}
    assert set(spec["limits"]) <= {"wall_s", "cpu_s", "memory_mb", "pids", "output_kb"}
    assert len(spec["hints"]) >= 2
    for name in ("starter.py", "solution.py", "grader.py"):
        tree = ast.parse((folder / name).read_text())
        functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assert ("grade" if name == "grader.py" else spec["entrypoint"]) in functions, name


def test_softmax_is_the_quick_exercise() -> None:
    spec = yaml.safe_load(
        (COURSES_DIR / "supervised-1/exercises/softmax/exercise.yaml").read_text()
    )
    assert spec["entrypoint"] == "softmax" and spec["limits"]["wall_s"] <= 10


@pytest.mark.parametrize("target", exercises())
def test_a_training_budget_is_the_one_the_grader_gives(target: str) -> None:
    """The page counts down exercise.yaml's ``training_s``; the grader gives the learner's code
    ``TRAIN_SECONDS``: the two must be the same figure."""
    course, slug = target.split("/")
    folder = COURSES_DIR / course / "exercises" / slug
    spec = ExerciseFile.model_validate(yaml.safe_load((folder / "exercise.yaml").read_text()))
    constants = {
        node.targets[0].id: node.value.value
        for node in ast.parse((folder / "grader.py").read_text()).body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
    }
    assert spec.training_s == constants.get("TRAIN_SECONDS"), (spec.training_s, constants)
