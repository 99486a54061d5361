"""Authoring through the API: instructors only; saves are checked first and refused with every
problem when they would break the course; files stay inside the course folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from feynlab.accounts.models import Role
from feynlab.authoring.paths import split_path
from feynlab.errors import Invalid

FILES = "/api/authoring/courses/example/files"


@pytest.fixture
def staff(make_user, login) -> dict[str, str]:
    return login(make_user(Role.instructor))


def test_authoring_is_for_instructors(client: TestClient, make_user, login) -> None:
    routes = [
        ("get", "/api/authoring/courses"),
        ("post", "/api/authoring/courses"),
        ("get", FILES),
        ("get", f"{FILES}/course.yaml"),
        ("put", f"{FILES}/course.yaml"),
        ("post", "/api/authoring/preview-check"),
    ]
    learner = login(make_user())
    for method, url in routes:
        assert client.request(method, url, json={}).status_code == 401, url
        refused = client.request(method, url, json={}, headers=learner)
        assert refused.status_code == 403, url
        assert refused.json()["detail"] == "Only instructors may do this."


def test_create_course_makes_a_draft_folder(client: TestClient, staff, courses_dir: Path) -> None:
    body = {"slug": "new-course", "title": "New", "summary": "Soon.", "level": "intermediate"}
    created = client.post("/api/authoring/courses", json=body, headers=staff)
    assert created.status_code == 201, created.text
    assert created.json() == {
        "slug": "new-course",
        "title": "New",
        "status": "ok",
        "stale": False,
        "problems": [],
    }
    assert (courses_dir / "new-course/course.yaml").read_text().startswith("slug: new-course")
    assert (courses_dir / "new-course/lessons").is_dir()
    assert [c["slug"] for c in client.get("/api/courses").json()] == ["example"]
    staff_view = {c["slug"]: c for c in client.get("/api/courses", headers=staff).json()}
    assert staff_view["new-course"]["draft"] is True
    again = client.post("/api/authoring/courses", json=body, headers=staff)
    assert again.status_code == 409 and "already exists" in again.json()["detail"]
    bad = client.post("/api/authoring/courses", json={**body, "slug": "../x"}, headers=staff)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "slug"


def test_list_and_read_files(client: TestClient, staff) -> None:
    listed = client.get(FILES, headers=staff)
    assert listed.status_code == 200
    paths = [f["path"] for f in listed.json()]
    assert "course.yaml" in paths and "exercises/add/solution.py" in paths
    assert "lessons/numbers.md" in paths
    read = client.get(f"{FILES}/lessons/numbers.md", headers=staff)
    assert read.status_code == 200 and read.json()["content"].startswith("---\ntitle: Numbers")
    missing = client.get(f"{FILES}/lessons/ghost.md", headers=staff)
    assert (
        missing.status_code == 404
        and "'lessons/ghost.md' does not exist" in missing.json()["detail"]
    )
    assert client.get("/api/authoring/courses/ghost/files", headers=staff).status_code == 404


def test_valid_save_is_written_and_reloaded(client: TestClient, staff, example_dir: Path) -> None:
    path = example_dir / "lessons/numbers.md"
    content = path.read_text().replace("title: Numbers and sums", "title: Sums of numbers")
    saved = client.put(f"{FILES}/lessons/numbers.md", json={"content": content}, headers=staff)
    assert saved.status_code == 200, saved.text
    assert saved.json()["course"]["status"] == "ok"
    assert path.read_text() == content
    assert client.get("/api/courses/example/lessons/numbers").json()["title"] == "Sums of numbers"
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_invalid_save_is_refused_with_every_problem_and_nothing_written(
    client: TestClient, staff, example_dir: Path
) -> None:
    path = example_dir / "lessons/numbers.md"
    before = path.read_text()
    broken = before.replace("    correct: true\n", "").replace("{2}.", "{2.")
    response = client.put(f"{FILES}/lessons/numbers.md", json={"content": broken}, headers=staff)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and body["detail"].startswith("Not saved: lessons/numbers.md")
    assert {(p["file"], p["line"]) for p in body["problems"]} == {
        ("lessons/numbers.md", 10),
        ("lessons/numbers.md", 26),
    }
    assert any("no right answer" in p["message"] for p in body["problems"])
    assert path.read_text() == before


def test_a_save_that_breaks_another_file_is_refused(
    client: TestClient, staff, example_dir: Path
) -> None:
    manifest = (example_dir / "course.yaml").read_text().replace("  - functions\n", "")
    response = client.put(f"{FILES}/course.yaml", json={"content": manifest}, headers=staff)
    assert response.status_code == 422
    [problem] = response.json()["problems"]
    assert problem["file"] == "exercises/add/exercise.yaml"
    assert "'functions' is not a lesson" in problem["message"]


def test_one_file_can_be_fixed_while_another_is_still_broken(
    client: TestClient, staff, example_dir: Path
) -> None:
    functions = example_dir / "lessons/functions.md"
    functions.write_text(functions.read_text().replace("type: multiple", "type: single"))
    numbers = example_dir / "lessons/numbers.md"
    numbers.write_text(numbers.read_text().replace("title: Numbers and sums", "title: [unclosed"))
    client.post("/api/courses/reload", headers=staff)
    fixed = numbers.read_text().replace("title: [unclosed", "title: Numbers again")
    saved = client.put(f"{FILES}/lessons/numbers.md", json={"content": fixed}, headers=staff)
    assert saved.status_code == 200, saved.text
    assert saved.json()["course"]["status"] == "invalid"
    assert [p["file"] for p in saved.json()["course"]["problems"]] == ["lessons/functions.md"]


def test_new_lesson_as_draft_then_listed(client: TestClient, staff, example_dir: Path) -> None:
    lesson = "---\ntitle: Products\n---\n# Products\n\n$a \\times b$\n"
    saved = client.put(f"{FILES}/lessons/products.md", json={"content": lesson}, headers=staff)
    assert saved.status_code == 200, saved.text
    assert len(client.get("/api/courses/example").json()["lessons"]) == 2
    manifest = (
        (example_dir / "course.yaml")
        .read_text()
        .replace("  - functions\n", "  - functions\n  - products\n")
    )
    assert (
        client.put(f"{FILES}/course.yaml", json={"content": manifest}, headers=staff).status_code
        == 200
    )
    lessons = client.get("/api/courses/example").json()["lessons"]
    assert [lesson["slug"] for lesson in lessons] == ["numbers", "functions", "products"]


@pytest.mark.parametrize(
    "path",
    [
        "../escape.md",
        "lessons/../../escape.md",
        "/etc/passwd",
        ".git/config",
        "lessons//x.md",
        "lessons/run.sh",
        "a/b/c/d/e.md",
    ],
)
def test_paths_outside_the_rules_are_refused(path: str) -> None:
    with pytest.raises(Invalid):
        split_path(path)


def test_traversal_through_the_url_is_refused(client: TestClient, staff, courses_dir: Path) -> None:
    for url in [f"{FILES}/..%2F..%2Fescape.md", f"{FILES}/lessons/%2E%2E/%2E%2E/escape.md"]:
        response = client.put(url, json={"content": "x"}, headers=staff)
        assert response.status_code in (404, 422), (url, response.status_code)
        assert not (courses_dir.parent / "escape.md").exists()
        assert not (courses_dir / "escape.md").exists()
    bad = client.put(f"{FILES}/.git/hooks.md", json={"content": "x"}, headers=staff)
    assert bad.status_code == 422 and "none starting with '.'" in bad.json()["detail"]


def test_symlinks_cannot_escape_the_course(
    client: TestClient, staff, example_dir: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.md"
    secret.write_text("---\ntitle: Secret\n---\nsecret\n")
    (example_dir / "figures/linked").symlink_to(outside, target_is_directory=True)
    (example_dir / "lessons/linked.md").symlink_to(secret)
    read = client.get(f"{FILES}/lessons/linked.md", headers=staff)
    assert read.status_code == 403 and "symbolic link" in read.json()["detail"]
    for path in ["lessons/linked.md", "figures/linked/new.svg", "figures/linked/secret.md"]:
        response = client.put(f"{FILES}/{path}", json={"content": "<svg/>"}, headers=staff)
        assert response.status_code in (403, 422), (path, response.text)
    assert secret.read_text() == "---\ntitle: Secret\n---\nsecret\n"
    assert sorted(p.name for p in outside.iterdir()) == ["secret.md"]
    assert "lessons/linked.md" not in [f["path"] for f in client.get(FILES, headers=staff).json()]


def test_size_cap(client: TestClient, staff) -> None:
    big = "x" * (256 * 1024 + 1)
    response = client.put(f"{FILES}/lessons/big.md", json={"content": big}, headers=staff)
    assert response.status_code == 413 and "256 KiB" in response.json()["detail"]


def test_preview_check_reports_problems_without_saving(
    client: TestClient, staff, example_dir: Path
) -> None:
    content = "---\ntitle: Draft\n---\nSome $x + {y$ here.\n"
    response = client.post(
        "/api/authoring/preview-check",
        json={"path": "example/lessons/draft.md", "content": content},
        headers=staff,
    )
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "problems": [
            {"file": "lessons/draft.md", "line": 4, "message": "math: '{' is never closed with '}'"}
        ],
        "other_problems": [],
    }
    assert not (example_dir / "lessons/draft.md").exists()
    clean = client.post(
        "/api/authoring/preview-check",
        json={"path": "example/course.yaml", "content": (example_dir / "course.yaml").read_text()},
        headers=staff,
    )
    assert clean.json() == {"problems": [], "other_problems": []}
    missing = client.post(
        "/api/authoring/preview-check",
        json={"path": "ghost/course.yaml", "content": ""},
        headers=staff,
    )
    assert missing.status_code == 404
