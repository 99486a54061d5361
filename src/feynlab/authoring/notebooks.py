"""Lessons as Jupyter notebooks: a notebook (.ipynb, or a jupytext percent .py) imported as
``lessons/<slug>.md``, any lesson exported as .ipynb and as a runnable .py. jupytext converts
between notebooks and Markdown; this module only maps what jupytext does not know: a quiz is a
raw cell tagged ``quiz`` holding the quiz's YAML, the front matter is the notebook's ``feynlab``
metadata, and a ``python norun`` fence is a Markdown cell (docs/authoring.md, Notebooks)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jupytext
import nbformat
import yaml
from markdown_it import MarkdownIt
from nbformat import NotebookNode

from feynlab.accounts.models import User
from feynlab.authoring import service
from feynlab.authoring.paths import MAX_FILE_BYTES, write_atomic
from feynlab.authoring.schemas import NotebookImport, NotebookImported
from feynlab.courses.content import Lesson
from feynlab.courses.formats import SLUG_PATTERN
from feynlab.courses.loader import load_course
from feynlab.courses.problems import Problem
from feynlab.courses.registry import CourseRegistry
from feynlab.errors import Conflict, Invalid, TooLarge
from feynlab.settings import Settings

QUIZ_TAG = "quiz"
MAX_NOTEBOOK_BYTES = 4 * 1024 * 1024
NotebookFormat = Literal["ipynb", "py"]
CellKind = Literal["markdown", "code", "quiz", "front matter"]

_markdown = MarkdownIt("commonmark")
_KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}
# jupytext keeps the boundaries of Markdown cells with these lines; a lesson has no such cells.
_REGION_MARKERS = {"<!-- #region -->", "<!-- #endregion -->"}
_MAGIC = re.compile(r"^\s*(%%?[A-Za-z]|!\S)")
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


@dataclass(frozen=True)
class CellProblem:
    """A problem of an imported notebook, at the cell it comes from (1-based, as in Jupyter's
    order) and the line inside that cell; ``cell`` is None for the notebook as a whole."""

    cell: int | None
    kind: CellKind | None
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.cell is None:
            return self.message
        where = f"cell {self.cell}" + (f" ({self.kind})" if self.kind else "")
        if self.line:
            where += f", line {self.line}"
        return f"{where}: {self.message}"


class NotebookInvalid(Invalid):
    """The notebook cannot become a valid lesson; nothing was written."""

    def __init__(self, problems: list[CellProblem]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        super().__init__(f"Not imported: {first}{more}. Nothing was written.")
        self.problems = problems


@dataclass
class ConvertedLesson:
    """A lesson file made from a notebook, and where each part of it came from."""

    text: str
    front_lines: int
    # (first line, last line) of the lesson body each cell became, 1-based, with its source
    spans: list[tuple[int, int, int, CellKind]] = field(default_factory=list)

    def locate(self, problem: Problem) -> CellProblem:
        """The cell a problem of the lesson file points into."""
        if problem.line is None:
            return CellProblem(None, None, None, problem.message)
        if problem.line <= self.front_lines:
            return CellProblem(
                None,
                None,
                None,
                f"the notebook's `feynlab` metadata (title, summary, exercises): {problem.message}",
            )
        body_line = problem.line - self.front_lines
        for first, last, cell, kind in self.spans:
            if first <= body_line <= last:
                inside = body_line - first + (0 if kind == "quiz" else 1)
                return CellProblem(cell, kind, max(inside, 1), problem.message)
        return CellProblem(None, None, None, problem.message)


# --- export -----------------------------------------------------------------------------------


def _fence(info: str, body: str) -> str:
    ticks = "`" * max(3, max((len(run) for run in re.findall(r"`+", body)), default=0) + 1)
    return f"{ticks}{info}\n{body.rstrip(chr(10))}\n{ticks}"


def _split_quizzes(source: str) -> list[NotebookNode]:
    """A Markdown cell as Markdown and quiz cells: each top-level ```quiz fence becomes a raw
    cell tagged ``quiz`` with the fence's YAML."""
    lines = source.split("\n")
    cells: list[NotebookNode] = []
    start = 0

    def prose(until: int) -> None:
        text = "\n".join(lines[start:until]).strip("\n")
        if text.strip():
            cells.append(nbformat.v4.new_markdown_cell(text))

    for token in _markdown.parse(source):
        if token.type != "fence" or token.level != 0 or token.map is None:
            continue
        if token.info.split()[:1] != [QUIZ_TAG]:
            continue
        first, end = token.map
        prose(first)
        quiz = token.content.rstrip("\n")
        cells.append(nbformat.v4.new_raw_cell(quiz, metadata={"tags": [QUIZ_TAG]}))
        start = end
    prose(len(lines))
    return cells


def _is_lesson_cell(info: str) -> bool:
    """The lesson parser's rule (courses/lessons.py): ```python, not ```python norun."""
    words = info.split()
    return bool(words) and words[0] == "python" and "norun" not in words[1:]


def _offsets(text: str) -> list[int]:
    """The character offset where each line of ``text`` starts (and the end)."""
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    return starts


def _body_cells(markdown: str) -> list[NotebookNode]:
    """The lesson body as Markdown and code cells: jupytext's reading, where a code block it
    takes for code but the lesson does not run (```bash, ```python norun) stays Markdown, and a
    cell's fence options (``requires=previous``) go to its ``feynlab.options`` metadata."""
    fences = [t for t in _markdown.parse(markdown) if t.type == "fence" and t.level == 0 and t.map]
    lines = _offsets(markdown)
    pieces: list[tuple[int, int, NotebookNode]] = []  # (start, end) in the body, cell
    position = 0
    for cell in jupytext.reads(markdown, fmt="md").cells:
        if cell.cell_type == "code":
            code = cell.source
            fence = next(
                (
                    f
                    for f in fences
                    if f.map is not None
                    and lines[f.map[0]] >= position
                    and (f.content.rstrip("\n") == code or code.endswith(f.content.rstrip("\n")))
                ),
                None,
            )
            if fence is None or fence.map is None:  # not from a fence of the body: keep as is
                pieces.append((position, position, nbformat.v4.new_code_cell(code)))
                continue
            first, end = lines[fence.map[0]], lines[fence.map[1]] - 1
            info = fence.info.strip()
            if _is_lesson_cell(info):
                options = " ".join(info.split()[1:])
                meta = {"feynlab": {"options": options}} if options else {}
                new = nbformat.v4.new_code_cell(fence.content.rstrip("\n"), metadata=meta)
            else:
                new = nbformat.v4.new_markdown_cell(markdown[first:end].rstrip("\n"))
            pieces.append((first, end, new))
            position = end
        else:
            found = markdown.find(cell.source, position)
            if found < 0:  # never seen: jupytext keeps Markdown as written
                pieces.append((-1, -1, nbformat.v4.new_markdown_cell(cell.source)))
                continue
            end = found + len(cell.source)
            pieces.append((found, end, nbformat.v4.new_markdown_cell(cell.source)))
            position = end
    cells: list[NotebookNode] = []
    start = -1
    for first, end, cell in pieces:  # a lesson's text between two code cells is one cell
        if cell.cell_type == "markdown" and cells and cells[-1].cell_type == "markdown":
            if start >= 0 and first >= 0:
                cells[-1] = nbformat.v4.new_markdown_cell(markdown[start:end].strip("\n"))
            else:
                cells[-1] = nbformat.v4.new_markdown_cell(f"{cells[-1].source}\n\n{cell.source}")
                start = -1
            continue
        cells.append(cell)
        start = first
    return cells


def lesson_notebook(lesson: Lesson) -> NotebookNode:
    """The lesson as an nbformat 4 notebook, without outputs."""
    cells: list[NotebookNode] = []
    for cell in _body_cells(lesson.markdown):
        cells += _split_quizzes(cell.source) if cell.cell_type == "markdown" else [cell]
    front: dict[str, Any] = {"lesson": lesson.slug, "title": lesson.title}
    if lesson.summary:
        front["summary"] = lesson.summary
    if lesson.exercises:
        front["exercises"] = list(lesson.exercises)
    notebook = nbformat.v4.new_notebook(
        cells=cells,
        metadata={
            "kernelspec": dict(_KERNEL),
            "language_info": {"name": "python"},
            "feynlab": front,
        },
    )
    for cell in notebook.cells:
        cell.pop("id", None)  # ids would change on every export; nbformat 4.4 has none
    notebook.nbformat_minor = 4
    return notebook


def export_lesson(lesson: Lesson, fmt: NotebookFormat) -> str:
    """The lesson as the text of a .ipynb file or of a jupytext percent .py script."""
    notebook = lesson_notebook(lesson)
    if fmt == "ipynb":
        return str(nbformat.writes(notebook))
    notebook.metadata["jupytext"] = {"notebook_metadata_filter": "kernelspec,feynlab"}
    return str(jupytext.writes(notebook, fmt="py:percent"))


# --- import -----------------------------------------------------------------------------------


def read_notebook(text: str, fmt: NotebookFormat) -> NotebookNode:
    """The notebook in a file's text; 413 when too big, 422 when not nbformat 4."""
    size = len(text.encode("utf-8"))
    if size > MAX_NOTEBOOK_BYTES:
        raise TooLarge(
            f"The notebook is {size / 2**20:.1f} MiB; at most {MAX_NOTEBOOK_BYTES // 2**20} MiB "
            "can be imported. Clear its outputs (Jupyter: Edit > Clear outputs of all cells) "
            "and save it again."
        )
    if fmt == "py":
        notebook: NotebookNode = jupytext.reads(text, fmt="py:percent")
        return notebook
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid(
            f"This file is not a Jupyter notebook: it is not JSON (line {exc.lineno}, column "
            f"{exc.colno}: {exc.msg}), and a .ipynb file is the JSON that Jupyter saves."
        ) from None
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        raise Invalid("This file is JSON but not a Jupyter notebook (it has no cells).")
    version = data.get("nbformat")
    if version != 4:
        raise Invalid(
            f"This notebook is in nbformat {version!r}; only nbformat 4 can be imported. Open it "
            "in Jupyter 4 or later (or run `jupyter nbconvert --to notebook`) and save it again."
        )
    try:
        nbformat.validate(data, version=4)
    except nbformat.ValidationError as exc:
        where = "/".join(str(part) for part in exc.absolute_path)
        cell = re.match(r"cells/(\d+)", where)
        if cell is not None:
            raise NotebookInvalid(
                [
                    CellProblem(
                        int(cell.group(1)) + 1, None, None, f"not valid nbformat 4: {exc.message}"
                    )
                ]
            ) from None
        raise Invalid(
            f"This notebook is not valid nbformat 4 ({where or 'top level'}: {exc.message})."
        ) from None
    notebook = nbformat.reads(text, as_version=4)  # multi-line sources joined
    return notebook


def _kind(cell: NotebookNode) -> CellKind:
    tags = cell.get("metadata", {}).get("tags", [])
    if isinstance(tags, list) and QUIZ_TAG in tags and cell.cell_type in ("raw", "markdown"):
        return "quiz"
    return "code" if cell.cell_type == "code" else "markdown"


def _magic_problems(number: int, source: str) -> list[CellProblem]:
    found = []
    for index, line in enumerate(source.split("\n"), start=1):
        if _MAGIC.match(line):
            found.append(
                CellProblem(
                    number,
                    "code",
                    index,
                    f"`{line.strip()}` is IPython syntax (a magic or a shell command); lesson "
                    "cells run as plain Python, without a shell or internet: remove the line "
                    "(the packages a lesson needs are already installed, figures show by "
                    "themselves)",
                )
            )
    return found


def _front_yaml(front: dict[str, Any]) -> str:
    """Front matter as lessons write it: one line per key, the exercises as a [flow] list."""
    lines = []
    for key, value in front.items():
        if isinstance(value, list):
            items = yaml.safe_dump(value, allow_unicode=True, width=10**6, default_flow_style=True)
            lines.append(f"{key}: {items.strip()}\n")
        else:
            lines.append(yaml.safe_dump({key: value}, allow_unicode=True, width=10**6))
    return "".join(lines)


def _front_matter(notebook: NotebookNode, first_raw: str | None, slug: str) -> str:
    """The lesson's front matter: the notebook's ``feynlab`` metadata, else a raw first cell
    written as front matter (jupytext's own from a .md), else the first heading as title."""
    meta = notebook.metadata.get("feynlab")
    if isinstance(meta, dict):
        front = {k: meta[k] for k in ("title", "summary", "exercises") if k in meta}
        unknown = sorted(set(meta) - {"lesson", "title", "summary", "exercises"})
        if unknown:
            raise NotebookInvalid(
                [
                    CellProblem(
                        None,
                        None,
                        None,
                        f"the notebook's `feynlab` metadata has unknown key(s) {unknown}: "
                        "use lesson, title, summary and exercises",
                    )
                ]
            )
        if "title" in front:
            return _front_yaml(front)
    if first_raw is not None:
        return first_raw
    markdown = "\n\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    heading = _HEADING.search(markdown)
    title = heading.group(1) if heading else slug
    return _front_yaml({"title": title})


def notebook_slug(notebook: NotebookNode) -> str | None:
    meta = notebook.metadata.get("feynlab")
    value = meta.get("lesson") if isinstance(meta, dict) else None
    return value if isinstance(value, str) else None


def convert_notebook(notebook: NotebookNode, *, slug: str) -> ConvertedLesson:
    """The lesson file (front matter and Markdown) a notebook makes; 422 naming the cell for
    what cannot be a lesson. Outputs are dropped: lessons are run by the platform."""
    language = notebook.metadata.get("kernelspec", {}).get("language", "python")
    if isinstance(language, str) and language.lower() != "python":
        raise Invalid(f"This notebook's kernel is {language}; lessons run Python only.")
    problems: list[CellProblem] = []
    first_raw: str | None = None
    kept: list[tuple[int, CellKind, NotebookNode]] = []
    for number, cell in enumerate(notebook.cells, start=1):
        source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        kind = _kind(cell)
        if not source.strip():
            continue
        if cell.cell_type == "raw" and kind != "quiz":
            header = re.fullmatch(r"---\n(.*?\n)?---\s*", source, re.DOTALL)
            if number == 1 and header is not None:
                first_raw = header.group(1) or ""
                continue
            problems.append(
                CellProblem(
                    number,
                    "markdown",
                    None,
                    "a raw cell has no place in a lesson: make it a Markdown cell, or tag it "
                    f"`{QUIZ_TAG}` if it holds a quiz's YAML",
                )
            )
            continue
        if cell.get("attachments"):
            problems.append(
                CellProblem(
                    number,
                    kind,
                    None,
                    "an image is attached to this cell: save it in the course's figures/ "
                    "folder and link it as ![what it shows](../figures/NAME.png)",
                )
            )
            continue
        if kind == "quiz":
            new = nbformat.v4.new_markdown_cell(_fence(QUIZ_TAG, source))
        elif kind == "code":
            problems += _magic_problems(number, source)
            new = nbformat.v4.new_code_cell(source)
            options = cell.metadata.get("feynlab", {})
            options = options.get("options") if isinstance(options, dict) else None
            if isinstance(options, str) and options.strip():
                new.metadata["options"] = " ".join(options.split())  # ```python OPTIONS
        else:
            new = nbformat.v4.new_markdown_cell(source)
        kept.append((number, kind, new))
    if problems:
        raise NotebookInvalid(problems)
    if not kept:
        raise Invalid("This notebook has no cells with content: there is no lesson in it.")
    joined: list[NotebookNode] = []
    for _, _, cell in kept:  # a lesson has no Markdown cells: one text between code cells
        if cell.cell_type == "markdown" and joined and joined[-1].cell_type == "markdown":
            joined[-1] = nbformat.v4.new_markdown_cell(joined[-1].source + "\n\n" + cell.source)
        else:
            joined.append(cell)
    body_notebook = nbformat.v4.new_notebook(
        cells=joined,
        metadata={
            "jupytext": {
                "main_language": "python",
                "notebook_metadata_filter": "-all",
                "cell_metadata_filter": "-all",
            }
        },
    )
    written = str(jupytext.writes(body_notebook, fmt="md"))
    body = "\n".join(line for line in written.split("\n") if line not in _REGION_MARKERS)
    body = _with_options(body.lstrip("\n"), kept)
    front = _front_matter(notebook, first_raw, slug)
    lesson_text = f"---\n{front}---\n\n{body}"  # as docs/authoring.md writes one
    converted = ConvertedLesson(text=lesson_text, front_lines=front.count("\n") + 3)
    _map_cells(converted, body, kept)
    return converted


def _with_options(body: str, kept: list[tuple[int, CellKind, NotebookNode]]) -> str:
    """Each code cell's fence with its options (```python requires=previous), which jupytext
    would write as JSON metadata."""
    lines = body.split("\n")
    position = 0
    for _, kind, cell in kept:  # in order, so that prose quoting the code is passed first
        found = body.find(cell.source, position)
        if found < 0:
            continue
        position = found + len(cell.source)
        if kind != "code":
            continue
        options = cell.metadata.get("options")
        fence = body.count("\n", 0, found) - 1
        if options and fence >= 0 and lines[fence].rstrip().endswith("python"):
            lines[fence] = f"{lines[fence].rstrip()} {options}"
    return "\n".join(lines)


def _map_cells(
    converted: ConvertedLesson, body: str, kept: list[tuple[int, CellKind, NotebookNode]]
) -> None:
    """Record which lines of the body each cell became (jupytext copies sources verbatim)."""
    position = 0
    for number, kind, cell in kept:
        found = body.find(cell.source, position)
        if found < 0:
            continue
        first = body.count("\n", 0, found) + 1
        converted.spans.append((first, first + cell.source.count("\n"), number, kind))
        position = found + len(cell.source)


def check_size(converted: ConvertedLesson) -> None:
    size = len(converted.text.encode("utf-8"))
    if size > MAX_FILE_BYTES:
        raise TooLarge(
            f"The lesson made from this notebook is {size // 1024} KiB of text; a lesson is at "
            f"most {MAX_FILE_BYTES // 1024} KiB. Split the notebook into several lessons."
        )


def import_into_folder(
    folder: Path, converted: ConvertedLesson, *, slug: str, replace: bool
) -> Path:
    """Check the course with the new lesson in place and write it atomically (the command
    line's import, with no server to reload); nothing is written on any problem."""
    path = f"lessons/{slug}.md"
    check_size(converted)
    target = folder / path
    if target.exists() and not replace:
        raise Conflict(f"The course already has a lesson {slug!r}: pass --replace to replace it.")
    before = {(p.file, p.message) for p in load_course(folder).problems}
    after = load_course(folder, overrides={path: converted.text}).problems
    new = [p for p in after if p.file == path or (p.file, p.message) not in before]
    if new:
        raise NotebookInvalid(
            [converted.locate(p) if p.file == path else _elsewhere(p) for p in new]
        )
    write_atomic(folder.parent, [folder.name, "lessons", f"{slug}.md"], converted.text, shown=path)
    return target


def _elsewhere(problem: Problem) -> CellProblem:
    return CellProblem(None, None, None, f"{problem}")


def cell_problems(
    converted: ConvertedLesson, path: str, problems: list[Problem]
) -> list[CellProblem]:
    return [converted.locate(p) if p.file == path else _elsewhere(p) for p in problems]


def import_lesson(
    *,
    registry: CourseRegistry,
    course: str,
    data: NotebookImport,
    user: User,
    settings: Settings,
) -> NotebookImported:
    """Import a notebook as ``lessons/<slug>.md`` through the same checked, atomic save as the
    file editor (the course reloads); any problem is a 422 naming the cell, nothing written."""
    notebook = read_notebook(data.notebook, data.format)
    slug = data.slug or notebook_slug(notebook)
    if slug is None or not re.fullmatch(SLUG_PATTERN, slug):
        raise Invalid("slug: give the lesson's slug (a-z, 0-9 and '-'), e.g. intro-to-numpy.")
    converted = convert_notebook(notebook, slug=slug)
    check_size(converted)
    path = f"lessons/{slug}.md"
    existed = (registry.folder(course) / path).is_file()
    if existed and not data.replace:
        raise Conflict(
            f"The course {course!r} already has a lesson {slug!r}: choose another slug, or "
            "replace it."
        )
    try:
        saved = service.save_file(
            registry=registry,
            course=course,
            path=path,
            content=converted.text,
            user=user,
            settings=settings,
        )
    except service.CourseWouldBreak as exc:
        raise NotebookInvalid(cell_problems(converted, path, exc.problems)) from None
    entry = registry.get(course)
    listed = entry is not None and entry.course is not None and entry.course.lesson(slug)
    return NotebookImported(
        path=path, lesson=slug, replaced=existed, published=bool(listed), course=saved.course
    )
