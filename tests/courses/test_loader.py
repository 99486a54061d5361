"""The course loader on the example course and on broken copies of it: every problem is
reported at once, each with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from feynlab.courses.loader import load_all, load_course
from feynlab.courses.problems import Problem
from tests.conftest import EXAMPLE_COURSES


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def where(problems: tuple[Problem, ...], text: str) -> list[tuple[str, int | None]]:
    return [(p.file, p.line) for p in problems if text in p.message]


def test_example_course_loads_with_lessons_quizzes_cells_and_exercise() -> None:
    [result] = load_all(EXAMPLE_COURSES)
    assert result.problems == ()
    course = result.course
    assert course is not None and course.slug == "example" and course.level == "beginner"
    assert [lesson.slug for lesson in course.lessons] == ["numbers", "functions"]
    numbers, functions = course.lessons
    assert [q.id for q in numbers.quizzes] == ["sum-ten"]
    assert numbers.quizzes[0].type == "single" and numbers.quizzes[0].correct_choices == (0,)
    assert functions.quizzes[0].type == "multiple"
    assert functions.quizzes[0].correct_choices == (0, 1)
    assert [c.code for c in numbers.cells] == [
        "n = 10\nprint(sum(range(1, n + 1)), n * (n + 1) // 2)\n"
    ]
    assert len(functions.cells) == 1  # the ```py fence is not a runnable cell
    assert functions.exercises == ("add",) and numbers.exercises == ()
    assert '<div data-quiz="sum-ten"></div>' in numbers.reader_markdown
    assert "```quiz" not in numbers.reader_markdown and "```quiz" in numbers.markdown
    assert "correct" not in numbers.reader_markdown
    assert "](/api/courses/example/figures/staircase.svg)" in numbers.reader_markdown
    [add] = course.exercises
    assert add.entrypoint == "add" and add.lesson == "functions"
    assert add.pass_bar.metric == "accuracy" and add.pass_bar.at_least == 1.0
    assert add.limits.wall_s == 5 and add.limits.memory_mb == 256
    assert add.starter.startswith("def add(a, b):")
    assert add.grader_path.is_file() and add.solution_path.is_file()


def test_content_is_immutable() -> None:
    course = load_course(EXAMPLE_COURSES / "example").course
    assert course is not None
    with pytest.raises(ValueError):
        course.title = "changed"  # type: ignore[misc]


def test_every_kind_of_problem_is_reported_at_once_with_file_and_line(example_dir: Path) -> None:
    edit(example_dir / "course.yaml", "level: beginner", "level: beginner\ncolour: blue")
    edit(example_dir / "course.yaml", "  - functions\n", "  - functions\n  - numbers\n  - ghost\n")
    edit(
        example_dir / "lessons/numbers.md",
        "    correct: true\n    explanation: $10",
        "    explanation: $10",
    )
    edit(example_dir / "lessons/numbers.md", "\\frac{n(n+1)}{2}", "\\frac{n(n+1)}{2")
    functions = example_dir / "lessons/functions.md"
    edit(functions, "A function $f(a, b) = a + b$", "A function $f(a, b) = a + b")
    functions.write_text(functions.read_text() + "\nLast: $$\\begin{matrix} 1 $$\n")
    edit(example_dir / "lessons/functions.md", "type: multiple", "type: single")
    (example_dir / "exercises/add/grader.py").unlink()
    edit(example_dir / "exercises/add/exercise.yaml", "  pids: 8", "  pids: 8\n  gpus: 1")
    edit(example_dir / "exercises/add/exercise.yaml", "  wall_s: 5", "  wall_s: -5")

    result = load_course(example_dir)
    assert result.course is None and not result.ok
    found = result.problems
    assert where(found, "unknown key 'colour'") == [("course.yaml", 5)]
    assert where(found, "'numbers' is listed twice") == [("course.yaml", 9)]
    assert where(found, "'ghost' is listed but lessons/ghost.md is missing") == [
        ("course.yaml", 10)
    ]
    assert where(found, "quiz 'sum-ten' has no right answer") == [("lessons/numbers.md", 26)]
    assert where(found, "'{' is never closed") == [("lessons/numbers.md", 10)]
    assert where(found, "'$' is never closed") == [("lessons/functions.md", 8)]
    assert where(found, "single choice but has 2 right answers") == [("lessons/functions.md", 26)]
    assert where(found, "\\begin{matrix} without \\end{matrix}") == [("lessons/functions.md", 38)]
    assert where(found, "every exercise needs grader.py") == [("exercises/add/grader.py", None)]
    assert where(found, "unknown key 'limits.gpus'") == [("exercises/add/exercise.yaml", 15)]
    assert where(found, "limits.wall_s: Input should be greater than 0") == [
        ("exercises/add/exercise.yaml", 11)
    ]
    assert len(found) == 11, "\n".join(map(str, found))


def test_bad_yaml_is_reported_with_its_line(example_dir: Path) -> None:
    edit(example_dir / "exercises/add/exercise.yaml", "entrypoint: add", "entrypoint: [add")
    edit(example_dir / "lessons/numbers.md", "type: single", "type: single\n  bad indent: [")
    problems = load_course(example_dir).problems
    yaml_errors = [(p.file, p.line) for p in problems if p.message.startswith("invalid YAML")]
    assert ("exercises/add/exercise.yaml", 7) in yaml_errors
    assert any(
        file == "lessons/numbers.md" and line and 24 <= line <= 27 for file, line in yaml_errors
    )


def test_missing_key_points_at_the_mapping_and_names_the_key(example_dir: Path) -> None:
    edit(example_dir / "course.yaml", "level: beginner\n", "")
    edit(example_dir / "lessons/functions.md", "title: Functions\n", "")
    problems = load_course(example_dir).problems
    assert where(problems, "missing required key 'level'") == [("course.yaml", 1)]
    assert where(problems, "missing required key 'title'") == [("lessons/functions.md", 2)]


def test_duplicate_quiz_ids_duplicate_yaml_keys_and_environments(example_dir: Path) -> None:
    lesson = example_dir / "lessons/functions.md"
    edit(lesson, "id: pure-functions", "id: sum-ten")
    edit(lesson, "summary: A function", "title: Twice\nsummary: A function")
    edit(lesson, "takes two inputs", "takes $$\\begin{cases} a \\end{matrix}$$ two inputs")
    problems = load_course(example_dir).problems
    assert where(problems, "quiz id 'sum-ten' is already used in lessons/numbers.md") == [
        ("lessons/functions.md", 23)
    ]
    assert where(problems, "duplicate key 'title'") == [("lessons/functions.md", 3)]
    assert where(problems, "\\end{matrix} closes \\begin{cases}") == [("lessons/functions.md", 9)]


def test_quiz_id_twice_in_one_lesson(example_dir: Path) -> None:
    lesson = example_dir / "lessons/numbers.md"
    block = lesson.read_text().split("```quiz", 1)[1]
    lesson.write_text(lesson.read_text() + "\n```quiz" + block)
    problems = load_course(example_dir).problems
    [problem] = problems
    assert "quiz id 'sum-ten' is used twice (first at line 22)" in problem.message
    assert problem.line is not None and problem.line > 22


def test_exercise_folder_problems(example_dir: Path) -> None:
    folder = example_dir / "exercises/add"
    (folder / "solution.py").write_text("def plus(a, b):\n    return a + b\n")
    (folder / "starter.py").write_text("def add(a, b)\n    return 0\n")
    edit(folder / "exercise.yaml", "lesson: functions", "lesson: nowhere")
    edit(example_dir / "lessons/functions.md", "exercises: [add]", "exercises: [add, missing]")
    problems = load_course(example_dir).problems
    assert where(problems, "solution.py must define `add`") == [("exercises/add/solution.py", 1)]
    assert where(problems, "Python syntax error") == [("exercises/add/starter.py", 1)]
    assert where(problems, "lesson 'nowhere' is not a lesson") == [
        ("exercises/add/exercise.yaml", None)
    ]
    assert where(problems, "exercise 'missing' is not an exercise") == [("lessons/functions.md", 2)]


def test_listed_exercise_without_folder_and_missing_figure(example_dir: Path) -> None:
    edit(example_dir / "course.yaml", "  - add\n", "  - add\n  - mul\n")
    (example_dir / "figures/staircase.svg").unlink()
    problems = load_course(example_dir).problems
    assert where(problems, "exercise 'mul' is listed but exercises/mul/ is missing") == [
        ("course.yaml", 10)
    ]
    assert where(problems, "figure '../figures/staircase.svg' does not exist") == [
        ("lessons/numbers.md", 15)
    ]


def test_draft_lesson_is_checked_but_not_published(example_dir: Path) -> None:
    (example_dir / "lessons/draft.md").write_text("---\ntitle: Draft\n---\nSoon $x$.\n")
    result = load_course(example_dir)
    assert result.ok and [lesson.slug for lesson in result.course.lessons] == [
        "numbers",
        "functions",
    ]
    (example_dir / "lessons/draft.md").write_text("no front matter, $x\n")
    problems = load_course(example_dir).problems
    assert [(p.file, p.line) for p in problems] == [
        ("lessons/draft.md", 1),
        ("lessons/draft.md", 1),
    ]


def test_symlink_leaving_the_course_is_a_problem(example_dir: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: Secret\n---\nhidden\n")
    target = example_dir / "lessons/numbers.md"
    target.unlink()
    target.symlink_to(secret)
    result = load_course(example_dir)
    assert result.course is None
    assert where(result.problems, "outside the course folder") == [("lessons/numbers.md", None)]


def test_folder_name_must_match_slug_and_missing_manifest(courses_dir: Path) -> None:
    (courses_dir / "example").rename(courses_dir / "renamed")
    (courses_dir / "empty").mkdir()
    results = {r.slug: r for r in load_all(courses_dir)}
    assert where(results["renamed"].problems, "differs from the folder name") == [
        ("course.yaml", 1)
    ]
    assert where(results["empty"].problems, "needs a course.yaml") == [("course.yaml", None)]


def test_exercise_converts_to_the_grading_layers_gradable_exercise() -> None:
    course = load_course(EXAMPLE_COURSES / "example").course
    assert course is not None
    gradable = course.exercises[0].gradable()
    assert (gradable.course, gradable.slug, gradable.entrypoint) == ("example", "add", "add")
    assert gradable.pass_bar is not None and gradable.pass_bar.at_least == 1.0
    assert gradable.limits == {
        "wall_s": 5.0,
        "cpu_s": 5.0,
        "memory_mb": 256,
        "pids": 8,
        "output_kb": 64,
    }
    assert gradable.grader_path.is_file()


def test_a_training_budget_must_leave_time_within_the_wall_limit(example_dir: Path) -> None:
    yaml_file = example_dir / "exercises/add/exercise.yaml"
    yaml_file.write_text(yaml_file.read_text() + "training_s: 5\n")  # wall_s is 5
    problems = load_course(example_dir).problems
    assert any(
        "training_s (5 s) must be below limits.wall_s (5 s)" in p.message for p in problems
    ), problems
    yaml_file.write_text(yaml_file.read_text().replace("training_s: 5\n", "training_s: 3\n"))
    assert not load_course(example_dir).problems
