"""Lessons as notebooks through the HTTP API: an instructor imports a Jupyter notebook as a
lesson; anyone who may read a lesson downloads it as .ipynb and as a runnable .py; importing
an export gives the same lesson back, for every shipped lesson; bad notebooks are refused with
the cell named and nothing written. The command line does the same on a folder."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from feynlab.accounts.models import Role
from feynlab.courses.content import Lesson
from tests.conftest import REPO
from tests.test_cli import FEYNLAB, env_for

IMPORT = "/api/authoring/courses/example/lessons/import"
QUIZ_YAML = """id: mean-of-three
question: What is the mean of 1, 2 and 6?
choices:
  - text: "3"
    correct: true
    why: $(1 + 2 + 6) / 3 = 3$.
  - text: "2"
    why: That is the median, the middle value."""


@pytest.fixture
def staff(make_user, login) -> dict[str, str]:
    return login(make_user(Role.instructor))


def jupyter_notebook(*, quiz: str = QUIZ_YAML) -> str:
    """A notebook as Jupyter saves one: executed, with outputs, counts and cell ids."""
    code = new_code_cell(
        "import numpy as np\nprint(np.mean([1, 2, 6]))",
        execution_count=3,
        outputs=[new_output("stream", name="stdout", text="3.0\n")],
    )
    notebook = new_notebook(
        cells=[
            new_markdown_cell(
                "# Means and medians\n\nThe mean of $x_1, \\dots, x_n$ is $\\bar x$."
            ),
            code,
            new_raw_cell(quiz, metadata={"tags": ["quiz"]}),
            new_markdown_cell("That is all."),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    )
    return nbformat.writes(notebook)


def post(client: TestClient, headers: dict[str, str], notebook: str, **body: object):
    return client.post(IMPORT, json={"notebook": notebook, **body}, headers=headers)


def publish(client: TestClient, headers: dict[str, str], course_dir: Path, slug: str) -> None:
    manifest = (course_dir / "course.yaml").read_text()
    manifest = manifest.replace("lessons: []\n", "lessons:\n")
    manifest = manifest.replace("lessons:\n", f"lessons:\n  - {slug}\n", 1)
    assert f"  - {slug}\n" in manifest
    saved = client.put(
        f"/api/authoring/courses/{course_dir.name}/files/course.yaml",
        json={"content": manifest},
        headers=headers,
    )
    assert saved.status_code == 200, saved.text


def test_import_a_jupyter_notebook_as_a_lesson(
    client: TestClient, staff, courses_dir: Path
) -> None:
    made = post(client, staff, jupyter_notebook(), slug="means")
    assert made.status_code == 201, made.text
    assert made.json()["path"] == "lessons/means.md"
    assert made.json()["replaced"] is False
    assert made.json()["published"] is False  # a draft until course.yaml lists it
    text = (courses_dir / "example/lessons/means.md").read_text()
    assert text.startswith("---\ntitle: Means and medians\n---\n\n# Means and medians\n")
    assert "```python\nimport numpy as np\nprint(np.mean([1, 2, 6]))\n```" in text
    assert "```quiz\nid: mean-of-three\n" in text
    assert "3.0" not in text  # outputs are dropped: the platform runs the lesson

    publish(client, staff, courses_dir / "example", "means")
    lesson = client.get("/api/courses/example/lessons/means").json()
    assert lesson["title"] == "Means and medians"
    assert [cell["code"] for cell in lesson["cells"]] == [
        "import numpy as np\nprint(np.mean([1, 2, 6]))\n"
    ]
    assert [quiz["id"] for quiz in lesson["quizzes"]] == ["mean-of-three"]
    assert sorted(lesson["quizzes"][0]["choices"]) == ["2", "3"]
    assert "That is all." in lesson["markdown"]

    again = post(client, staff, jupyter_notebook(), slug="means")
    assert again.status_code == 409 and "already has a lesson 'means'" in again.json()["detail"]
    replaced = post(client, staff, jupyter_notebook(), slug="means", replace=True)
    assert replaced.status_code == 201, replaced.text
    assert replaced.json()["replaced"] is True and replaced.json()["published"] is True


def test_export_as_ipynb_and_as_a_runnable_script(client: TestClient, tmp_path: Path) -> None:
    notebook = client.get("/api/courses/example/lessons/numbers/notebook.ipynb")  # anonymous
    assert notebook.status_code == 200, notebook.text
    assert notebook.headers["content-type"].startswith("application/x-ipynb+json")
    assert 'filename="example-numbers.ipynb"' in notebook.headers["content-disposition"]
    parsed = nbformat.reads(notebook.text, as_version=4)
    nbformat.validate(parsed)
    assert parsed.metadata["feynlab"]["title"] == "Numbers and sums"
    assert parsed.metadata["kernelspec"]["language"] == "python"
    kinds = [(cell.cell_type, cell.metadata.get("tags")) for cell in parsed.cells]
    assert kinds == [("markdown", None), ("code", None), ("raw", ["quiz"])]
    assert parsed.cells[1].source == "n = 10\nprint(sum(range(1, n + 1)), n * (n + 1) // 2)"
    assert parsed.cells[1].outputs == []
    assert parsed.cells[2].source.startswith("id: sum-ten\nquestion:")

    script = client.get("/api/courses/example/lessons/numbers/notebook.py")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/x-python")
    assert '# %% [raw] tags=["quiz"]' in script.text
    path = tmp_path / "numbers.py"
    path.write_text(script.text)
    ran = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "55 55\n"

    missing = client.get("/api/courses/example/lessons/nope/notebook.ipynb")
    assert missing.status_code == 404 and "no lesson 'nope'" in missing.json()["detail"]


def _without_lines(lesson: Lesson) -> dict[str, object]:
    """The lesson's content; cells' and quizzes' line numbers in the file shift when the front
    matter is laid out differently (the export keeps it as notebook metadata)."""
    data = lesson.model_dump()
    for item in (*data["quizzes"], *data["cells"]):
        item.pop("line")
    return data


def _reader_without_lines(lesson: dict) -> dict:
    return {**lesson, "cells": [{**c, "line": None} for c in lesson["cells"]]}


def test_every_shipped_lesson_round_trips(settings, make_user, login, tmp_path: Path) -> None:
    from feynlab.app import create_app

    shipped = tmp_path / "shipped"
    shutil.copytree(REPO / "courses", shipped)
    app: FastAPI = create_app(settings.model_copy(update={"courses_dir": shipped}))
    headers = login(make_user(Role.instructor))
    with TestClient(app) as client:
        registry = app.state.courses
        checked = 0
        for entry in registry.entries():
            assert entry.course is not None, entry.problems
            for lesson in entry.course.lessons:
                original = _without_lines(lesson)
                reader = client.get(f"/api/courses/{entry.slug}/lessons/{lesson.slug}").json()
                for fmt in ("ipynb", "py"):
                    url = f"/api/courses/{entry.slug}/lessons/{lesson.slug}/notebook.{fmt}"
                    exported = client.get(url)
                    assert exported.status_code == 200, url
                    back = client.post(
                        f"/api/authoring/courses/{entry.slug}/lessons/import",
                        json={"notebook": exported.text, "format": fmt, "replace": True},
                        headers=headers,
                    )
                    assert back.status_code == 201, (url, back.text)
                    assert back.json()["lesson"] == lesson.slug  # the notebook carries it
                    again = registry.get(entry.slug).course.lesson(lesson.slug)
                    assert _without_lines(again) == original, url
                    after = client.get(f"/api/courses/{entry.slug}/lessons/{lesson.slug}")
                    assert _reader_without_lines(after.json()) == _reader_without_lines(reader)
                    checked += 1
        assert checked >= 2 * 15


def refused(response, status: int = 422) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def test_bad_notebooks_are_refused_naming_the_cell_and_nothing_is_written(
    client: TestClient, staff, courses_dir: Path
) -> None:
    lesson = courses_dir / "example/lessons/means.md"

    not_json = refused(post(client, staff, "print('hello')", slug="means"))
    assert "not a Jupyter notebook" in not_json["detail"] and "not JSON" in not_json["detail"]

    old = json.loads(jupyter_notebook())
    old["nbformat"] = 3
    version = refused(post(client, staff, json.dumps(old), slug="means"))
    assert "nbformat 3" in version["detail"] and "only nbformat 4" in version["detail"]

    broken = json.loads(jupyter_notebook())
    broken["cells"][1]["cell_type"] = "picture"
    invalid = refused(post(client, staff, json.dumps(broken), slug="means"))
    assert "not valid nbformat 4" in invalid["detail"]

    no_answer = jupyter_notebook(quiz=QUIZ_YAML.replace("    correct: true\n", ""))
    quiz = refused(post(client, staff, no_answer, slug="means"))
    assert quiz["detail"].startswith("Not imported: cell 3 (quiz)")
    assert "has no right answer" in quiz["detail"]
    assert quiz["problems"][0]["cell"] == 3 and quiz["problems"][0]["kind"] == "quiz"

    bad_yaml = refused(
        post(client, staff, jupyter_notebook(quiz="id: x\nquestion: a: b"), slug="means")
    )
    assert bad_yaml["problems"][0]["cell"] == 3 and bad_yaml["problems"][0]["line"] == 2

    untagged = json.loads(jupyter_notebook())
    untagged["cells"][2]["metadata"] = {}
    raw = refused(post(client, staff, json.dumps(untagged), slug="means"))
    assert raw["problems"][0]["cell"] == 3
    assert "tag it `quiz`" in raw["problems"][0]["message"]

    magic = json.loads(jupyter_notebook())
    magic["cells"][1]["source"] = "!pip install numpy\nprint(1)"
    shell = refused(post(client, staff, json.dumps(magic), slug="means"))
    assert shell["problems"][0]["cell"] == 2 and shell["problems"][0]["line"] == 1
    assert "without a shell or internet" in shell["problems"][0]["message"]

    math = json.loads(jupyter_notebook())
    math["cells"][3]["source"] = "A formula never closed: $x + 1"
    unclosed = refused(post(client, staff, json.dumps(math), slug="means"))
    assert unclosed["problems"][0]["cell"] == 4 and unclosed["problems"][0]["kind"] == "markdown"

    taken = refused(
        post(
            client,
            staff,
            jupyter_notebook(quiz=QUIZ_YAML.replace("mean-of-three", "sum-ten")),
            slug="means",
        )
    )
    assert "'sum-ten' is already used" in taken["detail"] and "cell 3 (quiz)" in taken["detail"]

    huge = jupyter_notebook().replace("That is all.", "x" * (5 * 1024 * 1024))
    too_big = refused(post(client, staff, huge, slug="means"), status=413)
    assert "at most 4 MiB" in too_big["detail"] and "Clear its outputs" in too_big["detail"]

    long = jupyter_notebook().replace("That is all.", "words " * 50_000)
    too_long = refused(post(client, staff, long, slug="means"), status=413)
    assert "a lesson is at most 256 KiB" in too_long["detail"]

    no_slug = refused(post(client, staff, jupyter_notebook()))
    assert no_slug["detail"].startswith("slug:")

    assert not lesson.exists()
    assert sorted(p.name for p in (courses_dir / "example/lessons").iterdir()) == [
        "functions.md",
        "numbers.md",
    ]
    numbers = (courses_dir / "example/lessons/numbers.md").read_text()
    wrong = refused(post(client, staff, no_answer, slug="numbers", replace=True))
    assert "has no right answer" in wrong["detail"]
    assert (courses_dir / "example/lessons/numbers.md").read_text() == numbers


def test_only_instructors_import_and_readers_of_the_lesson_export(
    client: TestClient, staff, make_user, login, courses_dir: Path
) -> None:
    learner = login(make_user())
    assert post(client, {}, jupyter_notebook(), slug="means").status_code == 401
    denied = post(client, learner, jupyter_notebook(), slug="means")
    assert denied.status_code == 403 and denied.json()["detail"] == "Only instructors may do this."
    assert not (courses_dir / "example/lessons/means.md").exists()
    url = "/api/courses/example/lessons/numbers/notebook.ipynb"
    assert client.get(url, headers=learner).status_code == 200

    draft = {"slug": "hidden", "title": "Hidden", "summary": "", "level": "beginner"}
    assert client.post("/api/authoring/courses", json=draft, headers=staff).status_code == 201
    imported = client.post(
        "/api/authoring/courses/hidden/lessons/import",
        json={"notebook": jupyter_notebook(), "slug": "means"},
        headers=staff,
    )
    assert imported.status_code == 201, imported.text
    publish(client, staff, courses_dir / "hidden", "means")
    url = "/api/courses/hidden/lessons/means/notebook.ipynb"
    assert client.get(url, headers=staff).status_code == 200  # the draft course: staff only
    assert client.get(url, headers=learner).status_code == 404
    assert client.get(url).status_code == 404


def test_the_command_line_imports_and_exports(tmp_path: Path) -> None:
    courses = tmp_path / "courses"
    shutil.copytree(REPO / "tests/fixtures/courses", courses)
    env = {**env_for(tmp_path), "FEYNLAB_COURSES_DIR": str(courses)}

    def feynlab(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*FEYNLAB, "lessons", *args], env=env, capture_output=True, text=True, timeout=120
        )

    exported = feynlab("export", "example/numbers", "--to", str(tmp_path / "numbers.ipynb"))
    assert exported.returncode == 0, exported.stderr
    assert json.loads((tmp_path / "numbers.ipynb").read_text())["nbformat"] == 4
    script = feynlab("export", "example/numbers", "--to", str(tmp_path / "numbers.py"))
    assert script.returncode == 0 and "# %%" in (tmp_path / "numbers.py").read_text()

    taken = feynlab("import", str(tmp_path / "numbers.ipynb"), "--course", "example")
    assert taken.returncode == 1 and "pass --replace" in taken.stderr
    duplicate = feynlab(
        "import", str(tmp_path / "numbers.ipynb"), "--course", "example", "--slug", "copy"
    )
    assert duplicate.returncode == 1
    assert "cell 3 (quiz), line 1: quiz id 'sum-ten' is already used" in duplicate.stderr
    assert not (courses / "example/lessons/copy.md").exists()

    (tmp_path / "Means & Medians.ipynb").write_text(jupyter_notebook())
    made = feynlab("import", str(tmp_path / "Means & Medians.ipynb"), "--course", "example")
    assert made.returncode == 0, made.stderr
    assert "a draft until course.yaml lists 'means-medians'" in made.stdout
    assert (
        "```quiz\nid: mean-of-three" in (courses / "example/lessons/means-medians.md").read_text()
    )
    missing = feynlab("export", "example/nope", "--to", str(tmp_path / "x.ipynb"))
    assert missing.returncode == 2 and "no lesson 'nope'" in missing.stderr


ODD_FENCES = """---
title: Odd fences
---

# Odd fences

Set `x = 1` first.

```python
x = 1
```

```python requires=previous
print(x)
```

```bash
ls -l
```

```python norun
import os
```


Two blank lines above.

```quiz
id: odd-quiz
question: Which?
choices:
  - text: "a"
    correct: true
  - text: "b"
```

The end.
"""


def test_fences_a_lesson_does_not_run_stay_markdown_and_cell_options_travel(
    client: TestClient, staff, courses_dir: Path
) -> None:
    saved = client.put(
        "/api/authoring/courses/example/files/lessons/odd.md",
        json={"content": ODD_FENCES},
        headers=staff,
    )
    assert saved.status_code == 200, saved.text
    publish(client, staff, courses_dir / "example", "odd")
    exported = client.get("/api/courses/example/lessons/odd/notebook.ipynb")
    notebook = nbformat.reads(exported.text, as_version=4)
    cells = [(c.cell_type, c.metadata.get("feynlab"), c.source) for c in notebook.cells]
    assert [c[:2] for c in cells] == [
        ("markdown", None),
        ("code", None),
        ("code", {"options": "requires=previous"}),
        ("markdown", None),
        ("raw", None),
        ("markdown", None),
    ]
    assert cells[3][2].startswith("```bash\nls -l\n```\n\n```python norun\nimport os\n```")
    back = post(client, staff, exported.text, replace=True)
    assert back.status_code == 201, back.text
    assert (courses_dir / "example/lessons/odd.md").read_text() == ODD_FENCES
    lesson = client.get("/api/courses/example/lessons/odd").json()
    assert [cell["code"] for cell in lesson["cells"]] == ["x = 1\n", "print(x)\n"]
