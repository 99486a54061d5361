"""Parsing one lesson file: front matter, Markdown body, quiz fences, python cells, math."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

from feynlab.courses.content import Cell, Choice, Lesson, Quiz
from feynlab.courses.formats import LessonFrontMatter, QuizBlock
from feynlab.courses.mathcheck import check_math
from feynlab.courses.problems import Problem
from feynlab.courses.yamltext import parse_yaml, validate

_markdown = MarkdownIt("commonmark")
FENCE_MARKERS = ("---", "...")


@dataclass(frozen=True)
class ParsedLesson:
    lesson: Lesson | None
    front: LessonFrontMatter | None
    problems: list[Problem]
    quizzes: tuple[Quiz, ...] = ()


def split_front_matter(text: str, *, file: str) -> tuple[str | None, str, int, list[Problem]]:
    """(front matter YAML, body, lines before the body, problems)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return (
            None,
            text,
            0,
            [Problem(file, 1, "a lesson starts with YAML front matter between '---' lines")],
        )
    for index in range(1, len(lines)):
        if lines[index].strip() in FENCE_MARKERS:
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 1, []
    return None, text, 0, [Problem(file, 1, "the front matter's closing '---' line is missing")]


def _quiz(token: Token, *, file: str, fence_line: int) -> tuple[Quiz | None, list[Problem]]:
    doc, problems = parse_yaml(token.content, file=file, line_offset=fence_line)
    doc.first_line = fence_line
    if problems:
        return None, problems
    block, problems = validate(QuizBlock, doc, file=file, what="a quiz block")
    if block is None:
        return None, problems
    right = [i for i, choice in enumerate(block.choices) if choice.correct]
    where = doc.line_of(("choices",))
    for index, choice in enumerate(block.choices):
        if choice.why and choice.explanation:
            problems.append(
                Problem(
                    file,
                    doc.line_of(("choices", index)),
                    f"quiz {block.id!r}, choice {index + 1}: give `why` or its older name "
                    "`explanation`, not both",
                )
            )
    if not right:
        problems.append(Problem(file, where, f"quiz {block.id!r} has no right answer"))
    elif block.type == "single" and len(right) > 1:
        problems.append(
            Problem(
                file,
                where,
                f"quiz {block.id!r} is single choice but has {len(right)} right answers: "
                "mark one, or set `type: multiple`",
            )
        )
    texts = [block.question, block.explanation]
    texts += [part for c in block.choices for part in (c.text, c.why or c.explanation)]
    for text in texts:
        problems += check_math(text, file=file, first_line=fence_line)
    quiz = Quiz(
        id=block.id,
        question=block.question,
        type=block.type,
        choices=tuple(
            Choice(text=c.text, correct=c.correct, explanation=c.why or c.explanation)
            for c in block.choices
        ),
        explanation=block.explanation,
        line=fence_line,
    )
    return quiz, problems


def _is_cell(info: str) -> bool:
    words = info.split()
    return bool(words) and words[0] == "python" and "norun" not in words[1:]


def _requires(
    info: str, *, index: int, file: str, line: int
) -> tuple[tuple[int, ...], list[Problem]]:
    """A cell's ``requires=previous`` or ``requires=1,3`` (cell numbers, from 1): the cells
    that must have run in the learner's session before this one (docs/authoring.md)."""
    found: list[int] = []
    for word in info.split()[1:]:
        key, sep, value = word.partition("=")
        if not sep or key != "requires":
            continue
        for part in value.split(","):
            if part == "previous" and index > 0:
                found.append(index - 1)
            elif part.isdigit() and 0 < int(part) <= index:
                found.append(int(part) - 1)
            else:
                message = (
                    f"cell {index + 1}: requires={value} must name earlier cells (`previous`, "
                    "or their numbers from 1, e.g. requires=1,2)"
                )
                return (), [Problem(file, line, message)]
    return tuple(sorted(set(found))), []


def parse_lesson(
    text: str, *, slug: str, file: str, figure_exists: Callable[[str], bool]
) -> ParsedLesson:
    """Parse and check ``lessons/<slug>.md``; every problem found is returned."""
    front_text, body, offset, problems = split_front_matter(text, file=file)
    front: LessonFrontMatter | None = None
    if front_text is not None:
        doc, yaml_problems = parse_yaml(front_text, file=file, line_offset=1)
        problems += yaml_problems
        if not yaml_problems:
            front, found = validate(
                LessonFrontMatter, doc, file=file, what="the front matter", fallback={"title": slug}
            )
            problems += found
    body_lines = body.split("\n")
    prose = list(body_lines)
    quizzes: list[Quiz] = []
    cells: list[Cell] = []
    replacements: list[tuple[int, int, str]] = []
    seen: dict[str, int] = {}
    for token in _markdown.parse(body):
        if token.map is None:
            continue
        start, end = token.map
        if token.type in ("fence", "code_block"):
            for index in range(start, min(end, len(prose))):
                prose[index] = ""
        if token.type == "fence":
            fence_line = offset + start + 1
            info = token.info.strip()
            if info.split()[:1] == ["quiz"]:
                quiz, found = _quiz(token, file=file, fence_line=fence_line)
                problems += found
                if quiz is not None:
                    first = seen.setdefault(quiz.id, fence_line)
                    if first != fence_line:
                        message = f"quiz id {quiz.id!r} is used twice (first at line {first})"
                        problems.append(Problem(file, fence_line, message))
                    quizzes.append(quiz)
                    line_text = body_lines[start]
                    indent = line_text[: len(line_text) - len(line_text.lstrip())]
                    replacements.append((start, end, f'{indent}<div data-quiz="{quiz.id}"></div>'))
            elif _is_cell(info):
                requires, found = _requires(info, index=len(cells), file=file, line=fence_line)
                problems += found
                cells.append(
                    Cell(index=len(cells), code=token.content, line=fence_line, requires=requires)
                )
        if token.type == "inline":
            for child in token.children or []:
                src = child.attrs.get("src") if child.type == "image" else None
                if isinstance(src, str) and _is_local(src) and not figure_exists(src):
                    problems.append(
                        Problem(file, offset + start + 1, f"figure {src!r} does not exist")
                    )
    problems += check_math("\n".join(prose), file=file, first_line=offset + 1)
    if front is None or any(p.file == file for p in problems):
        return ParsedLesson(None, front, problems, tuple(quizzes))
    reader = list(body_lines)
    for start, end, html in sorted(replacements, reverse=True):
        # Blank lines around: an HTML block must not swallow the paragraph after it.
        reader[start:end] = ["", html, ""]
    lesson = Lesson(
        slug=slug,
        title=front.title,
        summary=front.summary,
        markdown=body,
        reader_markdown="\n".join(reader),
        quizzes=tuple(quizzes),
        cells=tuple(cells),
        exercises=tuple(front.exercises),
    )
    return ParsedLesson(lesson, front, problems, tuple(quizzes))


def _is_local(src: str) -> bool:
    return "://" not in src and not src.startswith(("data:", "/", "#"))
