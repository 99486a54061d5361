"""Event streams that resume with Last-Event-ID, regrades, and the instructor's gradebook."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from feynlab.accounts.models import Role
from tests.submissions.helpers import SOLUTION, STARTER, read_events, submit, wait_done

pytestmark = pytest.mark.sandbox
CHATTY = (
    "import time\nfor i in range(3):\n    print('line', i, flush=True)\n    time.sleep(0.3)\n"
    + SOLUTION
)


def test_a_reconnecting_client_resumes_after_its_last_event_id(
    client: TestClient, make_user, login
) -> None:
    headers = login(make_user())
    sub = submit(client, headers, CHATTY)
    first = read_events(client, sub["events_url"], headers, stop_after="stdout")  # then drops
    last_id = next(i for i, _ in reversed(first) if i is not None)
    rest = read_events(client, sub["events_url"], headers, last_event_id=last_id)
    stored = [int(i) for i, _ in first + rest if i is not None]
    assert stored == list(range(1, len(stored) + 1))  # no gap, no repeat
    assert rest[-1][1]["type"] == "verdict" and rest[-1][1]["status"] == "passed"
    full = read_events(client, sub["events_url"], headers)  # a finished one replays everything
    printed = "".join(e["text"] for _, e in full if e["type"] == "stdout")
    assert all(f"line {n}" in printed for n in range(3))
    assert [i for i, _ in full] == [str(n) for n in stored]
    replay_tail = read_events(client, sub["events_url"], headers, last_event_id=str(stored[-1]))
    assert replay_tail == []


def test_an_instructor_regrades_one_submission_or_a_whole_exercise(
    client: TestClient, make_user, login
) -> None:
    learner, teacher = login(make_user()), login(make_user(Role.instructor))
    sub = submit(client, learner, STARTER)
    wait_done(client, f"/api/submissions/{sub['id']}", learner)
    old_ids = [int(i) for i, _ in read_events(client, sub["events_url"], learner) if i]
    refused = client.post(f"/api/submissions/{sub['id']}/regrade", headers=learner)
    assert refused.status_code == 403
    again = client.post(f"/api/submissions/{sub['id']}/regrade", headers=teacher)
    assert again.status_code == 200 and again.json() == {"regraded": 1, "ids": [sub["id"]]}
    done = wait_done(client, f"/api/submissions/{sub['id']}", learner)
    assert done["round"] == 2 and done["status"] == "failed"
    new_round = read_events(client, sub["events_url"], learner)
    assert [e["type"] for _, e in new_round].count("verdict") == 1  # the new round's stream
    assert min(int(i) for i, _ in new_round if i) > max(old_ids)  # ids go on, never reused
    other = submit(client, login(make_user()), SOLUTION)
    wait_done(client, f"/api/submissions/{other['id']}", teacher)
    bulk = client.post("/api/courses/example/exercises/add/regrade", headers=teacher)
    assert bulk.status_code == 200 and bulk.json()["regraded"] == 2
    assert wait_done(client, f"/api/submissions/{other['id']}", teacher)["round"] == 2
    assert (
        client.post("/api/courses/example/exercises/nope/regrade", headers=teacher).status_code
        == 404
    )


def test_the_gradebook_its_csv_and_a_learners_page(client: TestClient, make_user, login) -> None:
    ada, bob = make_user(), make_user()
    teacher = login(make_user(Role.instructor))
    ada_h, bob_h = login(ada), login(bob)
    for headers, code in ((ada_h, STARTER), (ada_h, SOLUTION), (bob_h, STARTER)):
        wait_done(client, f"/api/submissions/{submit(client, headers, code)['id']}", headers)
    assert client.get("/api/instructor/gradebook", headers=ada_h).status_code == 403
    rows = client.get("/api/instructor/gradebook", headers=teacher).json()
    by_learner = {row["learner"]["id"]: row for row in rows}
    assert by_learner[ada.id]["status"] == "passed" and by_learner[ada.id]["attempts"] == 2
    assert by_learner[ada.id]["best_score"] == 1.0
    assert by_learner[bob.id]["status"] == "attempted" and by_learner[bob.id]["attempts"] == 1
    assert client.get("/api/instructor/gradebook?course=nope", headers=teacher).json() == []
    exported = client.get("/api/instructor/gradebook.csv", headers=teacher)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert {(r["email"], r["status"]) for r in table} == {
        (ada.email, "passed"),
        (bob.email, "attempted"),
    }
    page = client.get(f"/api/instructor/learners/{ada.id}", headers=teacher)
    assert page.status_code == 200
    body = page.json()
    assert body["learner"]["email"] == ada.email
    assert [s["code"] for s in body["submissions"]] == [SOLUTION, STARTER]
    assert client.get("/api/instructor/learners/999999", headers=teacher).status_code == 404
