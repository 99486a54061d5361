"""courses/catalog.yaml: the catalog lists courses in its order (unlisted ones last, by title),
for anonymous visitors too; `feynlab courses check` reports a listed course without a folder and
a choice with both `why` and `explanation`."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from feynlab.accounts.models import Role
from feynlab.cli import app

runner = CliRunner()


def _copy(courses_dir: Path, slug: str, title: str) -> None:
    shutil.copytree(courses_dir / "example", courses_dir / slug)
    manifest = courses_dir / slug / "course.yaml"
    text = manifest.read_text().replace("slug: example", f"slug: {slug}")
    manifest.write_text(text.replace("title: Example course", f"title: {title}"))


def test_the_catalog_follows_catalog_yaml(
    courses_dir: Path, client: TestClient, make_user, login
) -> None:
    _copy(courses_dir, "zeta-first", "Zeta, the place to start")
    _copy(courses_dir, "alpha-last", "Alpha, not listed")
    (courses_dir / "catalog.yaml").write_text("order:\n  - zeta-first\n  - example\n")
    staff = login(make_user(Role.instructor))
    assert client.post("/api/courses/reload", headers=staff).status_code == 200
    slugs = [course["slug"] for course in client.get("/api/courses").json()]
    assert slugs == ["zeta-first", "example", "alpha-last"]


def test_check_reports_a_listed_course_without_a_folder(courses_dir: Path) -> None:
    (courses_dir / "catalog.yaml").write_text("order:\n  - example\n  - ghost\n")
    result = runner.invoke(app, ["courses", "check", "--no-prove", str(courses_dir)])
    assert result.exit_code == 1
    assert f"{courses_dir}/catalog.yaml:3: course 'ghost' is listed but has no folder" in (
        result.output
    )


def test_check_reports_unknown_keys_of_the_catalog(courses_dir: Path) -> None:
    (courses_dir / "catalog.yaml").write_text("order: [example]\nordre: []\n")
    result = runner.invoke(app, ["courses", "check", "--no-prove", str(courses_dir)])
    assert (
        result.exit_code == 1
        and f"{courses_dir}/catalog.yaml:2: unknown key 'ordre'" in result.output
    )


def test_why_is_checked_and_not_given_twice(courses_dir: Path) -> None:
    lesson = courses_dir / "example/lessons/numbers.md"
    text = lesson.read_text()
    lesson.write_text(
        text.replace('  - text: "50"\n', '  - text: "50"\n    why: $5 \\cdot 10$ is 50.\n')
    )
    ok = runner.invoke(app, ["courses", "check", "--no-prove", str(courses_dir / "example")])
    assert ok.exit_code == 0, ok.output
    lesson.write_text(text.replace("    explanation: $10", "    why: twice.\n    explanation: $10"))
    both = runner.invoke(app, ["courses", "check", "--no-prove", str(courses_dir / "example")])
    assert both.exit_code == 1
    assert "choice 1: give `why` or its older name `explanation`, not both" in both.output
    lesson.write_text(text.replace('  - text: "50"\n', '  - text: "50"\n    why: $\\frac{1$\n'))
    broken = runner.invoke(app, ["courses", "check", "--no-prove", str(courses_dir / "example")])
    assert broken.exit_code == 1
