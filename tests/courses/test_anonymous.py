"""The front door: anonymous visitors read the catalog (in catalog.yaml's order), syllabi,
lessons (code shown, quizzes without answers) and exercise statements; drafts stay hidden from
them; answering, marking read, running and submitting need an account (a clear 401)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from feynlab.accounts.models import Role
from feynlab.courses.catalog import read_order
from feynlab.settings import Settings

LESSON = "/api/courses/example/lessons/numbers"
REPO = Path(__file__).resolve().parents[2]


def test_anonymous_visitor_reads_a_lesson_with_its_code_and_no_answers(
    client: TestClient,
) -> None:
    response = client.get(LESSON)
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Numbers and sums"
    assert [cell["code"] for cell in body["cells"]] == [
        "n = 10\nprint(sum(range(1, n + 1)), n * (n + 1) // 2)\n"
    ]
    [quiz] = body["quizzes"]
    assert sorted(quiz["choices"]) == ["100", "50", "55"]
    assert quiz["answer"] is None
    # Nothing of the answer travels: not the flag, not the why, not the explanation.
    assert "correct" not in response.text and "10 \\\\cdot 11" not in response.text
    assert "Use the formula" not in response.text


def test_anonymous_visitors_share_one_stable_order(client: TestClient) -> None:
    first = client.get(LESSON).json()["quizzes"][0]["choices"]
    assert all(client.get(LESSON).json()["quizzes"][0]["choices"] == first for _ in range(3))


def test_a_learners_answer_never_shows_to_an_anonymous_reader(
    client: TestClient, make_user, login
) -> None:
    headers = login(make_user())
    shown = client.get(LESSON, headers=headers).json()["quizzes"][0]["choices"]
    right = shown.index("55")
    answered = client.post(
        f"{LESSON}/quizzes/sum-ten/answers", json={"choices": [right]}, headers=headers
    )
    assert answered.status_code == 200 and answered.json()["revealed"] is True
    assert client.get(LESSON, headers=headers).json()["quizzes"][0]["answer"] is not None
    assert client.get(LESSON).json()["quizzes"][0]["answer"] is None
    [course] = client.get("/api/courses").json()
    assert course["progress"] is None


def test_anonymous_visitor_reads_syllabus_and_exercise_statement(client: TestClient) -> None:
    syllabus = client.get("/api/courses/example")
    assert syllabus.status_code == 200
    assert syllabus.json()["title"] == "Example course" and syllabus.json()["progress"] is None
    exercise = client.get("/api/courses/example/exercises/add")
    assert exercise.status_code == 200
    assert exercise.json()["title"] == "Add two numbers" and exercise.json()["starter"]
    assert client.get("/api/courses/example/figures/staircase.svg").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", f"{LESSON}/quizzes/sum-ten/answers", {"choices": [0]}),
        ("POST", f"{LESSON}/read", None),
        ("POST", "/api/runs", {"code": "print(1)", "course": "example", "lesson": "numbers"}),
        ("POST", "/api/courses/example/exercises/add/submissions", {"code": "def add(a, b): ..."}),
        ("POST", "/api/courses/example/exercises/add/checks", {"code": "def add(a, b): ..."}),
        ("GET", "/api/progress", None),
    ],
)
def test_doing_anything_needs_an_account(
    client: TestClient, method: str, path: str, body: dict[str, object] | None
) -> None:
    response = client.request(method, path, json=body)
    assert response.status_code == 401
    assert "log in" in response.text.lower()


def test_drafts_stay_hidden_from_anonymous_visitors(
    client: TestClient, make_user, login, example_dir: Path
) -> None:
    manifest = example_dir / "course.yaml"
    manifest.write_text(manifest.read_text() + "draft: true\n")
    staff = login(make_user(Role.instructor))
    assert client.post("/api/courses/example/reload", headers=staff).status_code == 200
    assert client.get("/api/courses").json() == []
    for path in (
        "/api/courses/example",
        LESSON,
        "/api/courses/example/exercises/add",
        "/api/courses/example/figures/staircase.svg",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get(LESSON, headers=staff).status_code == 200


def test_a_stale_session_cookie_reads_as_anonymous(client: TestClient) -> None:
    """A visitor whose login expired still sees the front door, not an error."""
    client.cookies.set("feynlab_session", "expired-or-forged")
    try:
        response = client.get("/api/courses")
        assert response.status_code == 200 and response.json()[0]["progress"] is None
        assert client.get(LESSON).status_code == 200
    finally:
        client.cookies.clear()


def test_the_shipped_catalog_starts_with_supervised_1(settings: Settings, tmp_path: Path) -> None:
    """The real courses/ folder, read anonymously: catalog.yaml's order, Supervised I first."""
    from feynlab.app import create_app

    shipped = REPO / "courses"
    real = settings.model_copy(update={"courses_dir": shipped})
    with TestClient(create_app(real)) as anonymous:
        response = anonymous.get("/api/courses")
    assert response.status_code == 200
    slugs = [course["slug"] for course in response.json()]
    order, problems = read_order(shipped)
    assert problems == []
    listed = [slug for slug in order if slug in slugs]
    assert slugs[: len(listed)] == listed
    assert slugs[0] == "supervised-1"
    assert response.json()[0]["title"].startswith("Supervised")
