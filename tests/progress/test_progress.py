"""Progress: what counts, who may see whose, and the function the grading queue calls."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from feynlab.accounts.models import Role
from feynlab.progress.models import ExerciseProgress
from feynlab.progress.service import record_exercise_result

LESSON = "/api/courses/example/lessons/numbers"


def test_progress_counts_lessons_quizzes_and_exercises(
    client: TestClient, app: FastAPI, make_user, login
) -> None:
    user = make_user()
    headers = login(user)
    client.post(f"{LESSON}/read", headers=headers)
    client.post(f"{LESSON}/quizzes/sum-ten/answers", json={"choices": [2]}, headers=headers)
    client.post(f"{LESSON}/quizzes/sum-ten/answers", json={"choices": [0]}, headers=headers)
    with app.state.sessionmaker() as db:
        record_exercise_result(
            db=db, user_id=user.id, course="example", exercise="add", passed=True, score=1.0
        )
        db.commit()
    response = client.get("/api/progress", headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["id"] == user.id
    [course] = body["courses"]
    assert course["read_lessons"] == ["numbers"]
    assert course["answered_quizzes"] == ["sum-ten"] and course["quizzes_answered"] == 1
    assert course["passed_exercises"] == ["add"] and course["exercises_passed"] == 1
    assert course["percent"] == round(100 * 3 / 5)
    [catalog] = client.get("/api/courses", headers=headers).json()
    assert catalog["progress"]["percent"] == course["percent"]
    syllabus = client.get("/api/courses/example", headers=headers).json()
    assert syllabus["progress"]["lessons_read"] == 1


def test_record_exercise_result_keeps_best_score_sticky_pass_and_attempts(
    client: TestClient, app: FastAPI, make_user
) -> None:
    user = make_user()
    with app.state.sessionmaker() as db:
        for passed, score in [(False, 0.5), (True, 1.0), (False, 0.2), (False, None)]:
            record_exercise_result(
                db=db, user_id=user.id, course="example", exercise="add", passed=passed, score=score
            )
        db.commit()
        row = db.scalars(select(ExerciseProgress)).one()
        assert (row.passed, row.best_score, row.attempts) == (True, 1.0, 4)


def test_record_exercise_result_is_rolled_back_with_the_callers_transaction(
    client: TestClient, app: FastAPI, make_user
) -> None:
    user = make_user()
    with app.state.sessionmaker() as db:
        record_exercise_result(
            db=db, user_id=user.id, course="example", exercise="add", passed=True, score=1.0
        )
        db.rollback()
        assert db.scalars(select(ExerciseProgress)).all() == []


def test_progress_needs_login(client: TestClient) -> None:
    assert client.get("/api/progress").status_code == 401
    assert client.get("/api/progress/1").status_code == 401


def test_learners_see_only_their_own_progress(client: TestClient, make_user, login) -> None:
    me, other = make_user(), make_user()
    headers = login(me)
    assert client.get(f"/api/progress/{me.id}", headers=headers).status_code == 200
    refused = client.get(f"/api/progress/{other.id}", headers=headers)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "You may only see your own progress."
    # Unknown ids are refused the same way: no probing for which users exist.
    assert client.get("/api/progress/999999", headers=headers).status_code == 403


def test_instructors_see_anyone_and_every_learner_of_a_course(
    client: TestClient, make_user, login
) -> None:
    learner = make_user()
    client.post(f"{LESSON}/read", headers=login(learner))
    make_user()
    staff = login(make_user(Role.instructor))
    theirs = client.get(f"/api/progress/{learner.id}", headers=staff).json()
    assert theirs["courses"][0]["lessons_read"] == 1
    missing = client.get("/api/progress/999999", headers=staff)
    assert missing.status_code == 404 and "no user with id 999999" in missing.json()["detail"]
    everyone = client.get("/api/courses/example/progress", headers=staff)
    assert everyone.status_code == 200
    rows = everyone.json()
    assert len(rows) == 2  # learners only, not the instructor
    by_id = {row["user"]["id"]: row["progress"] for row in rows}
    assert by_id[learner.id]["read_lessons"] == ["numbers"]


def test_course_progress_is_for_instructors(client: TestClient, make_user, login) -> None:
    assert client.get("/api/courses/example/progress").status_code == 401
    refused = client.get("/api/courses/example/progress", headers=login(make_user()))
    assert refused.status_code == 403
    staff = login(make_user(Role.admin))
    assert client.get("/api/courses/nope/progress", headers=staff).status_code == 404


def test_a_lesson_is_done_when_its_quizzes_are_answered_not_when_opened(
    client: TestClient, make_user, login
) -> None:
    headers = login(make_user())

    def mine() -> dict:
        [course] = client.get("/api/progress", headers=headers).json()["courses"]
        return course

    client.post(f"{LESSON}/read", headers=headers)
    opened = mine()
    assert opened["read_lessons"] == ["numbers"] and opened["done_lessons"] == []
    assert opened["percent"] == 0
    [quiz] = client.get(LESSON, headers=headers).json()["quizzes"]
    wrong = quiz["choices"].index("50")
    client.post(f"{LESSON}/quizzes/sum-ten/answers", json={"choices": [wrong]}, headers=headers)
    retrying = mine()  # one try left: not answered yet
    assert retrying["quizzes_answered"] == 0 and retrying["done_lessons"] == []
    right = quiz["choices"].index("55")
    client.post(f"{LESSON}/quizzes/sum-ten/answers", json={"choices": [right]}, headers=headers)
    done = mine()
    assert done["done_lessons"] == ["numbers"] and done["lessons_done"] == 1
    assert done["answered_quizzes"] == ["sum-ten"]
    assert done["percent"] == round(100 * 2 / 5)  # the lesson and its quiz, of 5
