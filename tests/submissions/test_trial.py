"""An author tries an exercise from the browser: the reference passes, the starter does not,
through the real queue and sandbox, and nothing lands in any learner's progress or gradebook."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from feynlab.accounts.models import Role
from tests.submissions.helpers import read_events

pytestmark = pytest.mark.sandbox


def test_try_grades_solution_and_starter_without_counting_them(
    client: TestClient, make_user, login
) -> None:
    author = login(make_user(Role.instructor))
    response = client.post("/api/authoring/courses/example/exercises/add/try", headers=author)
    assert response.status_code == 202, response.text  # at once, like a submission
    verdicts = {}
    for name, accepted in response.json().items():
        assert accepted["state"] == "queued"
        events = [e for _, e in read_events(client, accepted["events_url"], author)]
        assert events[0]["type"] == "queued" and events[-1]["type"] == "verdict"
        verdicts[name] = events[-1]
        done = client.get(f"/api/submissions/{accepted['id']}", headers=author).json()
        assert done["verdict"]["status"] == events[-1]["status"]
    assert verdicts["solution"]["status"] == "passed"
    assert verdicts["starter"]["status"] == "failed" and verdicts["starter"]["feedback"]
    gradebook = client.get("/api/instructor/gradebook", headers=author).json()
    assert gradebook == [] or all(row.get("attempts", 0) == 0 for row in gradebook)
    history = client.get("/api/courses/example/exercises/add/submissions", headers=author)
    assert history.json() == []


def test_try_is_for_instructors_and_names_a_missing_exercise(
    client: TestClient, make_user, login
) -> None:
    learner = login(make_user())
    denied = client.post("/api/authoring/courses/example/exercises/add/try", headers=learner)
    assert denied.status_code == 403
    author = login(make_user(Role.instructor))
    missing = client.post("/api/authoring/courses/example/exercises/nope/try", headers=author)
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]


def test_a_learner_cannot_read_an_authors_trial(client: TestClient, make_user, login) -> None:
    author = login(make_user(Role.instructor))
    accepted = client.post("/api/authoring/courses/example/exercises/add/try", headers=author)
    trial = accepted.json()["solution"]["id"]
    learner = login(make_user())
    assert client.get(f"/api/submissions/{trial}", headers=learner).status_code == 404
