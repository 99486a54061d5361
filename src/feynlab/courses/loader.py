"""Loads a course folder into immutable content, reporting every problem at once."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from feynlab.courses.content import Course, Exercise, Lesson, Quiz
from feynlab.courses.exercises import UNKNOWN_LESSON, parse_exercise
from feynlab.courses.files import CourseFiles, content_hash
from feynlab.courses.formats import SLUG_PATTERN, CourseFile
from feynlab.courses.lessons import parse_lesson
from feynlab.courses.problems import Problem
from feynlab.courses.yamltext import YamlDoc, parse_yaml, validate

MANIFEST = "course.yaml"
_SLUG = re.compile(SLUG_PATTERN)


@dataclass(frozen=True)
class LoadResult:
    """What loading a folder found: the course when it is valid, and every problem."""

    slug: str
    directory: Path
    course: Course | None
    problems: tuple[Problem, ...]
    content_hash: str
    title: str = ""
    summary: str = ""
    level: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems and self.course is not None


def _duplicates(items: list[str], doc: YamlDoc, key: str, problems: list[Problem]) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item in seen:
            line = doc.line_of((key, index))
            problems.append(Problem(MANIFEST, line, f"{key}: {item!r} is listed twice"))
        seen.add(item)


def _figure_exists(files: CourseFiles) -> Callable[[str], bool]:
    def exists(src: str) -> bool:
        rel = posixpath.normpath(posixpath.join("lessons", src.split("#")[0].split("?")[0]))
        return rel.startswith("figures/") and files.exists(rel) and files.inside(rel)

    return exists


def _lessons(
    files: CourseFiles, manifest: CourseFile, doc: YamlDoc, problems: list[Problem]
) -> dict[str, Lesson]:
    lessons: dict[str, Lesson] = {}
    quizzes: list[tuple[str, Quiz]] = []
    listed = set(manifest.lessons)
    on_disk = (
        {name[:-3] for name in files.listdir("lessons") if name.endswith(".md")}
        if files.is_dir("lessons")
        else set()
    )
    for index, slug in enumerate(manifest.lessons):
        if slug not in on_disk:
            line = doc.line_of(("lessons", index))
            problems.append(
                Problem(
                    MANIFEST, line, f"lesson {slug!r} is listed but lessons/{slug}.md is missing"
                )
            )
    # Unlisted lesson files are drafts: checked, but not published.
    ordered = [s for s in manifest.lessons if s in on_disk] + sorted(on_disk - listed)
    for slug in dict.fromkeys(ordered):
        rel = f"lessons/{slug}.md"
        if not _SLUG.match(slug):
            problems.append(Problem(rel, None, "a lesson file name must be a slug (a-z, 0-9, -)"))
            continue
        try:
            text = files.read(rel)
        except UnicodeDecodeError:
            problems.append(Problem(rel, None, "not UTF-8 text"))
            continue
        except OSError as exc:
            problems.append(Problem(rel, None, f"cannot be read: {exc}"))
            continue
        parsed = parse_lesson(text, slug=slug, file=rel, figure_exists=_figure_exists(files))
        problems += parsed.problems
        quizzes += [(slug, quiz) for quiz in parsed.quizzes]
        if parsed.lesson is not None and slug in listed:
            lessons[slug] = parsed.lesson
    _quiz_ids_unique(quizzes, problems)
    return lessons


def _exercises(
    files: CourseFiles, manifest: CourseFile, doc: YamlDoc, problems: list[Problem]
) -> dict[str, Exercise]:
    found: dict[str, Exercise] = {}
    folders = set(files.listdir("exercises")) if files.is_dir("exercises") else set()
    for index, slug in enumerate(manifest.exercises):
        if slug not in folders:
            line = doc.line_of(("exercises", index))
            problems.append(
                Problem(
                    MANIFEST, line, f"exercise {slug!r} is listed but exercises/{slug}/ is missing"
                )
            )
    for slug in sorted(folders):
        if not files.is_dir(f"exercises/{slug}"):
            continue
        parsed = parse_exercise(
            files, course=manifest.slug, slug=slug, listed=slug in manifest.exercises
        )
        problems += parsed.problems
        spec = parsed.spec
        if spec is not None and spec.lesson not in (*manifest.lessons, UNKNOWN_LESSON):
            problems.append(
                Problem(
                    f"exercises/{slug}/exercise.yaml",
                    None,
                    f"lesson {spec.lesson!r} is not a lesson of course.yaml",
                )
            )
        if parsed.exercise is not None and slug in manifest.exercises:
            found[slug] = parsed.exercise
    return found


def _link(
    manifest: CourseFile,
    lessons: dict[str, Lesson],
    exercises: dict[str, Exercise],
    problems: list[Problem],
) -> tuple[Lesson, ...]:
    """Attach exercises to lessons: those the front matter lists, then those naming the lesson."""
    linked = []
    for slug in manifest.lessons:
        lesson = lessons.get(slug)
        if lesson is None:
            continue
        for name in lesson.exercises:
            if name not in manifest.exercises:
                problems.append(
                    Problem(
                        f"lessons/{slug}.md",
                        2,
                        f"exercise {name!r} is not an exercise of course.yaml",
                    )
                )
        extra = [
            ex.slug
            for ex in exercises.values()
            if ex.lesson == slug and ex.slug not in lesson.exercises
        ]
        order = [e for e in manifest.exercises if e in (*lesson.exercises, *extra)]
        reader = lesson.reader_markdown.replace(
            "](../figures/", f"](/api/courses/{manifest.slug}/figures/"
        )
        linked.append(
            lesson.model_copy(update={"exercises": tuple(order), "reader_markdown": reader})
        )
    return tuple(linked)


def load_course(root: Path, *, overrides: Mapping[str, str] | None = None) -> LoadResult:
    """Load and check the course folder ``root``; ``overrides`` replaces some files' text."""
    files = CourseFiles(root, overrides)
    digest = content_hash(root) if root.is_dir() else ""
    problems: list[Problem] = []
    if not files.exists(MANIFEST):
        problems.append(Problem(MANIFEST, None, "missing: a course folder needs a course.yaml"))
        return LoadResult(root.name, root, None, tuple(problems), digest)
    try:
        text = files.read(MANIFEST)
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(MANIFEST, None, f"cannot be read: {exc}"))
        return LoadResult(root.name, root, None, tuple(problems), digest)
    doc, found = parse_yaml(text, file=MANIFEST)
    problems += found
    manifest = None
    if not found:
        fallback = {"slug": root.name, "title": root.name, "level": "beginner"}
        manifest, found = validate(
            CourseFile, doc, file=MANIFEST, what="course.yaml", fallback=fallback
        )
        problems += found
    raw = doc.value if isinstance(doc.value, dict) else {}
    meta = {k: v for k in ("title", "summary", "level") if isinstance(v := raw.get(k), str)}
    if manifest is None:
        return LoadResult(root.name, root, None, tuple(problems), digest, **meta)
    if manifest.slug != root.name:
        problems.append(
            Problem(
                MANIFEST,
                doc.line_of(("slug",)),
                f"slug {manifest.slug!r} differs from the folder name {root.name!r}",
            )
        )
    _duplicates(manifest.lessons, doc, "lessons", problems)
    _duplicates(manifest.exercises, doc, "exercises", problems)
    lessons = _lessons(files, manifest, doc, problems)
    exercises = _exercises(files, manifest, doc, problems)
    linked = _link(manifest, lessons, exercises, problems)
    course = None
    if not problems:
        course = Course(
            slug=manifest.slug,
            title=manifest.title,
            summary=manifest.summary,
            level=manifest.level,
            draft=manifest.draft,
            lessons=linked,
            exercises=tuple(exercises[slug] for slug in manifest.exercises),
            directory=root.resolve(),
            content_hash=digest,
        )
    return LoadResult(
        root.name,
        root,
        course,
        tuple(sorted(set(problems), key=_order)),
        digest,
        title=manifest.title,
        summary=manifest.summary,
        level=manifest.level,
    )


def _quiz_ids_unique(quizzes: list[tuple[str, Quiz]], problems: list[Problem]) -> None:
    """Quiz ids are unique in the whole course (twice in one lesson is reported by its parser)."""
    seen: dict[str, str] = {}
    for lesson, quiz in quizzes:
        if quiz.id in seen and seen[quiz.id] != lesson:
            problems.append(
                Problem(
                    f"lessons/{lesson}.md",
                    quiz.line,
                    f"quiz id {quiz.id!r} is already used in lessons/{seen[quiz.id]}.md",
                )
            )
        seen.setdefault(quiz.id, lesson)


def _order(problem: Problem) -> tuple[str, int]:
    return (problem.file, problem.line or 0)


def load_all(courses_dir: Path) -> list[LoadResult]:
    """Every course folder directly inside ``courses_dir`` (hidden folders skipped)."""
    if not courses_dir.is_dir():
        return []
    return [
        load_course(path)
        for path in sorted(courses_dir.iterdir())
        if path.is_dir() and not path.name.startswith((".", "_"))
    ]
