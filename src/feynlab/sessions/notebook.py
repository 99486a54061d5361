"""A learner's lesson session as a Jupyter notebook: the lesson's prose as Markdown cells, each
code cell with the learner's code and the outputs of its last run (nbformat v4)."""

from __future__ import annotations

import re
from typing import Any

import nbformat
from markdown_it import MarkdownIt
from nbformat import v4

from feynlab.courses.content import Lesson
from feynlab.sessions.schemas import LessonCellRead

_markdown = MarkdownIt("commonmark")
_QUIZ = re.compile(r'<div data-quiz="([^"]*)"></div>')


def _is_cell(info: str) -> bool:  # the same test as courses/lessons.py
    words = info.split()
    return bool(words) and words[0] == "python" and "norun" not in words[1:]


def _prose(lesson: Lesson, text: str) -> str:
    """Markdown of the reader, each quiz named (its answers never leave the server)."""

    def quiz(match: re.Match[str]) -> str:
        found = lesson.quiz(match.group(1))
        question = found.question if found is not None else match.group(1)
        return f"> **Quiz:** {question} *(answer it on Feynlab)*"

    return _QUIZ.sub(quiz, text).strip("\n")


def _output(item: Any, count: int | None) -> Any:
    if item.type == "stream":
        return v4.new_output("stream", name=item.name or "stdout", text=item.text or "")
    if item.type == "result":
        return v4.new_output(
            "execute_result", data={"text/plain": item.text or ""}, execution_count=count
        )
    if item.type == "figure":
        return v4.new_output("display_data", data={"image/png": item.data or ""})
    if item.type == "error":
        lines = (item.text or "").rstrip("\n").split("\n")
        name, _, value = lines[-1].partition(": ")
        return v4.new_output("error", ename=name or "Error", evalue=value, traceback=lines)
    return v4.new_output("stream", name="stderr", text=(item.text or "") + "\n")


def lesson_notebook(lesson: Lesson, cells: list[LessonCellRead]) -> str:
    """The notebook's JSON text (validated by nbformat)."""
    body = lesson.reader_markdown
    lines = body.split("\n")
    nb = v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["feynlab"] = {"lesson": lesson.slug, "title": lesson.title}
    start = 0
    index = 0
    for token in _markdown.parse(body):
        if token.type != "fence" or token.map is None or not _is_cell(token.info.strip()):
            continue
        prose = _prose(lesson, "\n".join(lines[start : token.map[0]]))
        if prose:
            nb.cells.append(v4.new_markdown_cell(prose))
        start = token.map[1]
        read = cells[index] if index < len(cells) else None
        code = token.content
        if read is not None and read.code is not None:
            code = read.code
        cell = v4.new_code_cell(code.rstrip("\n"))
        if read is not None:
            cell.execution_count = read.execution_count
            cell.outputs = [_output(o, read.execution_count) for o in read.outputs]
        nb.cells.append(cell)
        index += 1
    rest = _prose(lesson, "\n".join(lines[start:]))
    if rest:
        nb.cells.append(v4.new_markdown_cell(rest))
    nbformat.validate(nb)
    text: str = nbformat.writes(nb)
    return text
