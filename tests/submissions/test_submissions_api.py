"""Submissions through the HTTP API on the embedded queue with the real runner."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from feynlab.accounts.models import Role
from feynlab.grading.queue.models import GradingJob
from tests.submissions.helpers import SOLUTION, STARTER, SUBMIT_URL, read_events, submit, wait_done

pytestmark = pytest.mark.sandbox


def test_a_right_solution_is_accepted_at_once_then_passes(
    client: TestClient, make_user, login
) -> None:
    headers = login(make_user())
    accepted = submit(client, headers)
    assert accepted["state"] == "queued"
    assert accepted["events_url"] == f"/api/submissions/{accepted['id']}/events"
    done = wait_done(client, f"/api/submissions/{accepted['id']}", headers)
    assert done["verdict"]["status"] == "passed", done["verdict"]
    assert done["status"] == "passed" and done["score"] == 1.0
    assert done["code"] == SOLUTION and done["round"] == 1
    assert done["started_at"] and done["finished_at"]
    events = [e for _, e in read_events(client, accepted["events_url"], headers)]
    assert [e["type"] for e in (events[0], events[1], events[-1])] == [
        "queued",
        "started",
        "verdict",
    ]
    assert events[0]["position"] >= 1
    assert events[-1]["status"] == "passed"


def test_the_starter_fails_with_feedback_and_the_progress_records_it(
    client: TestClient, make_user, login, app
) -> None:
    headers = login(make_user())
    wrong = submit(client, headers, STARTER)
    verdict = wait_done(client, f"/api/submissions/{wrong['id']}", headers)["verdict"]
    assert verdict["status"] == "failed"
    assert "add(" in verdict["feedback"]
    right = submit(client, headers)
    assert wait_done(client, f"/api/submissions/{right['id']}", headers)["status"] == "passed"
    from feynlab.progress.models import ExerciseProgress

    with app.state.sessionmaker() as db:
        rows = list(db.scalars(select(ExerciseProgress)))
    assert len(rows) == 1 and rows[0].exercise == "add" and rows[0].passed


def test_history_lists_only_my_submissions_newest_first(
    client: TestClient, make_user, login
) -> None:
    me, other = login(make_user()), login(make_user())
    first, second = submit(client, me, STARTER), submit(client, me)
    submit(client, other)
    history = client.get(SUBMIT_URL, headers=me)
    assert history.status_code == 200
    assert [s["id"] for s in history.json()] == [second["id"], first["id"]]
    assert "code" not in history.json()[0]


def test_a_submission_is_its_owners_and_instructors_only(
    client: TestClient, make_user, login
) -> None:
    owner, stranger = login(make_user()), login(make_user())
    teacher = login(make_user(Role.instructor))
    sub = submit(client, owner)
    url = f"/api/submissions/{sub['id']}"
    hidden = client.get(url, headers=stranger)
    assert hidden.status_code == 404 and "no submission" in hidden.json()["detail"]
    assert client.get(url + "/events", headers=stranger).status_code == 404
    assert client.get(url, headers=teacher).status_code == 200
    assert client.get(url).status_code == 401
    assert client.get("/api/submissions/999999", headers=owner).status_code == 404


def test_unknown_course_or_exercise_is_404(client: TestClient, make_user, login) -> None:
    headers = login(make_user())
    response = client.post(
        "/api/courses/example/exercises/nope/submissions", json={"code": "x"}, headers=headers
    )
    assert response.status_code == 404 and "no exercise 'nope'" in response.json()["detail"]
    response = client.post(
        "/api/courses/nope/exercises/add/submissions", json={"code": "x"}, headers=headers
    )
    assert response.status_code == 404


def test_code_cell_over_the_size_limit_is_413(client: TestClient, app, make_user, login) -> None:
    settings = app.state.settings  # the app runs on a copy of the fixture's settings
    settings.max_code_bytes = 2048
    headers = login(make_user())
    body = {"course": "example", "lesson": "functions", "code": "#" * 4096}
    response = client.post("/api/runs", json=body, headers=headers)
    assert response.status_code == 413
    assert "limit is 2 KB" in response.json()["detail"]


def test_too_many_per_minute_is_429_with_retry_after(
    client: TestClient, app, make_user, login
) -> None:
    settings = app.state.settings  # the app runs on a copy of the fixture's settings
    settings.submissions_per_minute = 2
    settings.max_running_per_learner = 10
    headers = login(make_user())
    submit(client, headers)
    submit(client, headers)
    refused = client.post(SUBMIT_URL, json={"code": SOLUTION}, headers=headers)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "limit is 2" in refused.json()["detail"]
    assert (
        client.post(SUBMIT_URL, json={"code": SOLUTION}, headers=login(make_user())).status_code
        == 202
    )


def test_too_many_at_once_is_429_until_one_finishes(
    client: TestClient, app, make_user, login
) -> None:
    settings = app.state.settings  # the app runs on a copy of the fixture's settings
    settings.max_running_per_learner = 1
    headers = login(make_user())
    slow = submit(client, headers, "import time\ntime.sleep(1.5)\n" + SOLUTION)
    refused = client.post(SUBMIT_URL, json={"code": SOLUTION}, headers=headers)
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert "waiting or running" in refused.json()["detail"]
    wait_done(client, f"/api/submissions/{slow['id']}", headers)
    assert client.post(SUBMIT_URL, json={"code": SOLUTION}, headers=headers).status_code == 202


def test_an_endless_loop_is_a_timeout_verdict_not_a_retry(
    client: TestClient, make_user, login, app
) -> None:
    headers = login(make_user())
    sub = submit(client, headers, "while True:\n    pass\n")
    done = wait_done(client, f"/api/submissions/{sub['id']}", headers, timeout_s=60)
    assert done["status"] == "timeout"
    with app.state.sessionmaker() as db:
        job = db.scalar(select(GradingJob).where(GradingJob.submission_id == sub["id"]))
        assert job is not None and job.attempts == 1 and job.state == "done"


def test_a_code_cell_runs_through_the_queue_with_its_output(
    client: TestClient, make_user, login
) -> None:
    headers = login(make_user())
    response = client.post(
        "/api/runs",
        json={"code": "print('hello from a cell')", "course": "example", "lesson": "numbers"},
        headers=headers,
    )
    assert response.status_code == 202, response.text
    run = response.json()
    assert run["events_url"] == f"/api/runs/{run['id']}/events"
    done = wait_done(client, f"/api/runs/{run['id']}", headers)
    assert done["result"]["status"] == "ok"
    assert "hello from a cell" in done["result"]["output"]
    events = [e for _, e in read_events(client, run["events_url"], headers)]
    assert any(e["type"] == "stdout" and "hello from a cell" in e["text"] for e in events)
    assert events[-1]["type"] == "verdict" and events[-1]["status"] == "ok"
    # A run is not a submission: it is not listed, nor readable as one.
    assert client.get(f"/api/submissions/{run['id']}", headers=headers).status_code == 404
    bad = client.post(
        "/api/runs", json={"code": "1", "course": "example", "lesson": "x"}, headers=headers
    )
    assert bad.status_code == 404 and "no lesson 'x'" in bad.json()["detail"]
