"""Bodies of the authoring API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from feynlab.courses.formats import SLUG_PATTERN, Level
from feynlab.courses.schemas import ProblemRead


class CourseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=SLUG_PATTERN, description="Folder name and URL: a-z, 0-9 and '-'.")
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field("", max_length=2000)
    level: Level = "beginner"


class AuthoringCourseRead(BaseModel):
    slug: str
    title: str
    status: Literal["ok", "invalid"]
    stale: bool
    problems: list[ProblemRead]


class FileEntry(BaseModel):
    path: str
    size: int


class FileRead(BaseModel):
    path: str
    content: str
    editable: bool = Field(True, description="Whether the caller may save this file.")
    read_only_reason: str | None = Field(
        None, description="Why the caller may not save it (for the authoring page)."
    )


class FileWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str = Field(description="The whole new text of the file (UTF-8).")


class SavedRead(BaseModel):
    path: str
    course: AuthoringCourseRead


class PreviewCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(
        min_length=3,
        max_length=400,
        description="COURSE/PATH, e.g. example/lessons/numbers.md (the file need not exist).",
    )
    content: str


class PreviewCheckOut(BaseModel):
    problems: list[ProblemRead] = Field(description="Problems in the checked file itself.")
    other_problems: list[ProblemRead] = Field(
        description="Problems elsewhere in the course with this content in place."
    )


class InvalidSaveOut(BaseModel):
    detail: str
    code: str
    problems: list[ProblemRead]


class NotebookImport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    notebook: str = Field(
        description="The notebook file's text: a .ipynb (nbformat 4 JSON) or, with format "
        "'py', a jupytext percent script. Outputs are dropped."
    )
    format: Literal["ipynb", "py"] = "ipynb"
    slug: str | None = Field(
        None,
        pattern=SLUG_PATTERN,
        description="The lesson's slug, lessons/<slug>.md (default: the notebook's "
        "feynlab.lesson metadata, which an exported lesson carries).",
    )
    replace: bool = Field(False, description="Replace the lesson if it exists (else a 409).")


class NotebookImported(BaseModel):
    path: str = Field(description="The lesson file written, relative to the course folder.")
    lesson: str
    replaced: bool
    published: bool = Field(
        description="Whether course.yaml lists the lesson; a new one is a draft until it does."
    )
    course: AuthoringCourseRead


class NotebookProblemRead(BaseModel):
    cell: int | None = Field(description="The notebook cell, from 1 in the notebook's order.")
    kind: Literal["markdown", "code", "quiz", "front matter"] | None
    line: int | None = Field(description="The line inside that cell, from 1.")
    message: str


class NotebookInvalidOut(BaseModel):
    detail: str
    code: str
    problems: list[NotebookProblemRead]
