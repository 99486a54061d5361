"""The course API for anonymous visitors, learners and instructors: catalog, syllabus, lessons
(quiz answers never leak), exercises (no solution, no grader), figures, quiz answers, reload."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from feynlab.accounts.models import Role

LESSON = "/api/courses/example/lessons/numbers"
ANSWER = f"{LESSON}/quizzes/sum-ten/answers"
MULTI = "/api/courses/example/lessons/functions/quizzes/pure-functions/answers"


def test_anonymous_catalog_has_counts_and_no_progress(client: TestClient) -> None:
    response = client.get("/api/courses")
    assert response.status_code == 200
    [course] = response.json()
    assert course["slug"] == "example" and course["level"] == "beginner"
    assert course["lesson_count"] == 2 and course["exercise_count"] == 1
    assert course["progress"] is None
    assert course["status"] is None and course["problems"] is None


def test_learner_catalog_carries_progress_and_no_staff_fields(client, make_user, login) -> None:
    headers = login(make_user())
    [course] = client.get("/api/courses", headers=headers).json()
    progress = course["progress"]
    assert progress["lessons_read"] == progress["quizzes_answered"] == 0
    assert progress["lessons_total"] == 2 and progress["quizzes_total"] == 2
    assert progress["exercises_total"] == 1 and progress["percent"] == 0
    assert course["status"] is None


def test_syllabus_lists_lessons_in_order_with_their_exercises(client: TestClient) -> None:
    body = client.get("/api/courses/example").json()
    assert [lesson["slug"] for lesson in body["lessons"]] == ["numbers", "functions"]
    assert body["lessons"][0]["exercises"] == []
    assert body["lessons"][1]["exercises"] == [
        {"slug": "add", "title": "Add two numbers", "lesson": "functions"}
    ]
    assert body["progress"] is None


def _shown(client: TestClient, headers: dict[str, str] | None = None, lesson: str = LESSON):
    """The lesson's quizzes as this caller sees them, by quiz id."""
    body = client.get(lesson, headers=headers or {}).json()
    return {quiz["id"]: quiz for quiz in body["quizzes"]}


def test_lesson_hides_quiz_answers_until_answered(client: TestClient) -> None:
    response = client.get(LESSON)
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Numbers and sums" and body["next"] == "functions"
    assert '<div data-quiz="sum-ten"></div>' in body["markdown"]
    [quiz] = body["quizzes"]
    assert set(quiz) == {"id", "question", "type", "choices", "answer"}
    assert quiz["id"] == "sum-ten" and quiz["type"] == "single" and quiz["answer"] is None
    assert quiz["question"] == "What is $1 + 2 + \\dots + 10$?"
    assert sorted(quiz["choices"]) == ["100", "50", "55"]
    assert "correct" not in response.text and "10 \\\\cdot 11" not in response.text


def test_each_learner_gets_their_own_stable_order(client, make_user, login) -> None:
    orders = set()
    for _ in range(6):
        headers = login(make_user())
        first = _shown(client, headers)["sum-ten"]["choices"]
        assert _shown(client, headers)["sum-ten"]["choices"] == first  # a reload keeps it
        orders.add(tuple(first))
    # Six learners, three choices: the chance that all six see one order is 1 in 7776.
    assert len(orders) > 1


def test_unknown_course_lesson_and_exercise_are_404_with_a_message(client: TestClient) -> None:
    missing = client.get("/api/courses/nope")
    assert missing.status_code == 404 and missing.json()["detail"] == "There is no course 'nope'."
    lesson = client.get("/api/courses/example/lessons/nope")
    assert lesson.status_code == 404 and "no lesson 'nope'" in lesson.json()["detail"]
    exercise = client.get("/api/courses/example/exercises/nope")
    assert exercise.status_code == 404 and "no exercise 'nope'" in exercise.json()["detail"]


def test_exercise_shows_starter_but_never_solution_or_grader(client: TestClient) -> None:
    response = client.get("/api/courses/example/exercises/add")
    assert response.status_code == 200
    body = response.json()
    assert body["starter"].startswith("def add(a, b):") and "return None" in body["starter"]
    assert body["pass_bar"] == {"metric": "accuracy", "at_least": 1.0}
    assert body["limits"]["wall_s"] == 5 and len(body["hints"]) == 2
    assert "return a + b\n" not in response.text and "CASES" not in response.text
    assert "solution" not in body and "grader" not in body and "directory" not in body


def test_figures_are_served_and_confined(client: TestClient) -> None:
    figure = client.get("/api/courses/example/figures/staircase.svg")
    assert figure.status_code == 200 and figure.headers["content-type"] == "image/svg+xml"
    assert "default-src 'none'" in figure.headers["content-security-policy"]
    escape = client.get("/api/courses/example/figures/%2E%2E/course.yaml")
    assert escape.status_code == 404


def test_quiz_answer_needs_login(client: TestClient) -> None:
    response = client.post(ANSWER, json={"choices": [0]})
    assert response.status_code == 401 and response.json()["detail"] == "You need to log in."


def test_a_wrong_answer_gets_one_retry_then_the_answer_is_revealed(
    client, make_user, login
) -> None:
    headers = login(make_user())
    choices = _shown(client, headers)["sum-ten"]["choices"]
    right, fifty, hundred = choices.index("55"), choices.index("50"), choices.index("100")
    first = client.post(ANSWER, json={"choices": [fifty]}, headers=headers)
    assert first.status_code == 200
    hidden = {"correct_choices": [], "explanation": "", "choice_feedback": []}
    assert first.json() == {
        "correct": False,
        "choices": [fifty],
        "tries": 1,
        "tries_left": 1,
        "revealed": False,
        **hidden,
    }
    # Remembered, and still nothing given away on reload.
    assert _shown(client, headers)["sum-ten"]["answer"] == first.json()
    second = client.post(ANSWER, json={"choices": [hundred]}, headers=headers).json()
    revealed = {
        "correct_choices": [right],
        "explanation": "Use the formula with $n = 10$.",
        "choice_feedback": [{"index": right, "explanation": "$10 \\cdot 11 / 2 = 55$."}],
    }
    assert second == {
        "correct": False,
        "choices": [hundred],
        "tries": 2,
        "tries_left": 0,
        "revealed": True,
        **revealed,
    }
    # Once revealed, answering again changes nothing; a reload shows the revealed quiz.
    again = client.post(ANSWER, json={"choices": [right]}, headers=headers).json()
    assert again == second
    assert _shown(client, headers)["sum-ten"]["answer"] == second


def test_a_right_first_answer_is_revealed_at_once(client, make_user, login) -> None:
    headers = login(make_user())
    choices = _shown(client, headers)["sum-ten"]["choices"]
    body = client.post(ANSWER, json={"choices": [choices.index("55")]}, headers=headers).json()
    assert body["correct"] is True and body["revealed"] is True and body["tries"] == 1
    assert body["correct_choices"] == [choices.index("55")]


def test_multiple_choice_needs_exactly_the_right_set(client, make_user, login) -> None:
    headers = login(make_user())
    lesson = "/api/courses/example/lessons/functions"
    choices = _shown(client, headers, lesson)["pure-functions"]["choices"]
    returns = choices.index("It returns a value.")
    same = choices.index("It gives the same output for the same inputs.")
    prints = choices.index("It prints its result.")
    partial = client.post(MULTI, json={"choices": [returns]}, headers=headers).json()
    assert partial["correct"] is False and partial["correct_choices"] == []
    too_many = client.post(MULTI, json={"choices": [returns, same, prints]}, headers=headers)
    assert too_many.json()["correct"] is False
    assert too_many.json()["correct_choices"] == sorted([returns, same])
    other = login(make_user())
    order = _shown(client, other, lesson)["pure-functions"]["choices"]
    exact = [
        order.index("It gives the same output for the same inputs."),
        order.index("It returns a value."),
    ]
    assert client.post(MULTI, json={"choices": exact}, headers=other).json()["correct"] is True


def test_bad_answers_are_422_naming_the_problem(client, make_user, login) -> None:
    headers = login(make_user())
    out_of_range = client.post(ANSWER, json={"choices": [3]}, headers=headers)
    assert out_of_range.status_code == 422
    assert out_of_range.json()["detail"] == "choices: each index must be between 0 and 2."
    two = client.post(ANSWER, json={"choices": [0, 1]}, headers=headers)
    assert two.status_code == 422 and "exactly one" in two.json()["detail"]
    repeated = client.post(MULTI, json={"choices": [0, 0]}, headers=headers)
    assert repeated.status_code == 422 and "repeated" in repeated.json()["detail"]
    empty = client.post(ANSWER, json={"choices": []}, headers=headers)
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "choices"
    missing = client.post(f"{LESSON}/quizzes/nope/answers", json={"choices": [0]}, headers=headers)
    assert missing.status_code == 404 and "no quiz 'nope'" in missing.json()["detail"]


def test_cookie_answers_need_the_csrf_token(client: TestClient) -> None:
    account = {"email": "quiz@example.org", "password": "long-enough-pw"}
    assert client.post("/api/auth/signup", json={**account, "name": "Q"}).status_code == 202
    assert client.post("/api/auth/login", json=account).status_code == 200
    refused = client.post(ANSWER, json={"choices": [0]})
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    csrf = {"X-CSRF-Token": client.cookies.get("feynlab_csrf")}
    assert client.post(ANSWER, json={"choices": [0]}, headers=csrf).status_code == 200


def test_marking_a_lesson_read(client, make_user, login) -> None:
    assert client.post(f"{LESSON}/read").status_code == 401
    headers = login(make_user())
    first = client.post(f"{LESSON}/read", headers=headers)
    assert first.status_code == 200 and first.json()["read_lessons"] == ["numbers"]
    again = client.post(f"{LESSON}/read", headers=headers)
    assert again.json()["lessons_read"] == 1
    missing = client.post("/api/courses/example/lessons/ghost/read", headers=headers)
    assert missing.status_code == 404


def test_reload_is_for_instructors(client, make_user, login) -> None:
    assert client.post("/api/courses/reload").status_code == 401
    learner = client.post("/api/courses/reload", headers=login(make_user()))
    assert (
        learner.status_code == 403 and learner.json()["detail"] == "Only instructors may do this."
    )
    staff = login(make_user(Role.instructor))
    response = client.post("/api/courses/reload", headers=staff)
    assert response.status_code == 200
    assert [(c["slug"], c["status"]) for c in response.json()] == [("example", "ok")]
    assert client.post("/api/courses/ghost/reload", headers=staff).status_code == 404


def test_draft_courses_are_hidden_from_learners(
    client, make_user, login, example_dir: Path
) -> None:
    manifest = example_dir / "course.yaml"
    manifest.write_text(manifest.read_text() + "draft: true\n")
    staff = login(make_user(Role.instructor))
    client.post("/api/courses/example/reload", headers=staff)
    assert client.get("/api/courses").json() == []
    assert client.get("/api/courses/example").status_code == 404
    assert client.get(LESSON, headers=login(make_user())).status_code == 404
    [course] = client.get("/api/courses", headers=staff).json()
    assert course["draft"] is True and course["status"] == "ok"
    assert client.get(LESSON, headers=staff).status_code == 200
