"""Assignments through the API with a frozen clock: opening and due times, the three late
policies, per-learner extensions, best or last grade, and the deadline an exercise page shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from fastapi.testclient import TestClient

OPENS = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
DUE = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)


def assignment(**changes: object) -> dict[str, object]:
    # Given in Paris time: stored and answered in UTC.
    body: dict[str, object] = {
        "title": "Week 1",
        "course": "example",
        "exercises": ["add"],
        "opens_at": "2026-12-01T09:00:00+01:00",
        "due_at": "2026-12-08T18:00:00+01:00",
    }
    return {**body, **changes}


@pytest.fixture
def setup(client: TestClient, make_class, make_user, join):
    def make(**changes: object):
        made = make_class()
        learner = make_user()
        learner_headers = join(learner, made["join_code"])
        response = client.post(
            f"/api/classes/{made['id']}/assignments",
            json=assignment(**changes),
            headers=made["headers"],
        )
        assert response.status_code == 201, response.text
        return made, learner, learner_headers, response.json()

    return make


def grade_of(client: TestClient, made: dict, learner_id: int) -> dict:
    book = client.get(f"/api/classes/{made['id']}/gradebook", headers=made["headers"]).json()
    row = next(r for r in book["rows"] if r["learner"]["id"] == learner_id)
    return row["assignments"][0]


def test_times_are_stored_in_utc(setup) -> None:
    _, _, _, made = setup()
    assert made["opens_at"].replace("Z", "+00:00") == OPENS.isoformat()
    assert made["due_at"].replace("Z", "+00:00") == DUE.isoformat()


def test_a_time_without_a_zone_is_refused(client: TestClient, make_class) -> None:
    made = make_class()
    response = client.post(
        f"/api/classes/{made['id']}/assignments",
        json=assignment(due_at="2026-12-08T18:00:00"),
        headers=made["headers"],
    )
    assert response.status_code == 422


def test_the_exercise_page_shows_the_deadline_and_time_left(client: TestClient, setup) -> None:
    _, _, headers, _ = setup()
    url = "/api/deadlines?course=example&exercise=add"
    with time_machine.travel(OPENS - timedelta(hours=1), tick=False):
        (before,) = client.get(url, headers=headers).json()
    assert before["state"] == "not-open"
    with time_machine.travel(DUE - timedelta(hours=2), tick=False):
        (during,) = client.get(url, headers=headers).json()
    assert during["state"] == "open"
    assert during["seconds_left"] == 7200
    assert during["class_name"] == "Period 3"
    with time_machine.travel(DUE + timedelta(minutes=1), tick=False):
        (after,) = client.get(url, headers=headers).json()
    assert after["state"] == "late"
    assert after["seconds_left"] == -60
    # Another exercise has no deadline.
    assert client.get(url.replace("add", "other"), headers=headers).json() == []


def test_before_opening_does_not_count(client: TestClient, setup, graded) -> None:
    made, learner, _, _ = setup()
    graded(learner, at=OPENS - timedelta(seconds=1), score=1.0, status="passed")
    assert grade_of(client, made, learner.id)["grade"] == 0.0


def test_no_late_policy_counts_late_work_in_full(client: TestClient, setup, graded) -> None:
    made, learner, _, _ = setup(late_policy="none")
    graded(learner, at=DUE + timedelta(days=3), score=0.9)
    got = grade_of(client, made, learner.id)
    assert got["grade"] == pytest.approx(0.9)
    assert got["exercises"][0]["late_days"] == 3


def test_a_penalty_per_started_day(client: TestClient, setup, graded) -> None:
    made, learner, _, _ = setup(late_policy="penalty", penalty_per_day=0.1, grade_rule="best")
    graded(learner, at=DUE - timedelta(hours=1), score=0.5)  # on time: 0.5
    graded(learner, at=DUE + timedelta(seconds=1), score=0.8)  # 1 day late: 0.72
    assert grade_of(client, made, learner.id)["grade"] == pytest.approx(0.72)
    graded(learner, at=DUE + timedelta(days=2, seconds=1), score=1.0)  # 3 days: 0.7
    assert grade_of(client, made, learner.id)["grade"] == pytest.approx(0.72)


def test_closed_ignores_late_work(client: TestClient, setup, graded) -> None:
    made, learner, headers, _ = setup(late_policy="closed")
    graded(learner, at=DUE - timedelta(minutes=5), score=0.4)
    graded(learner, at=DUE + timedelta(minutes=5), score=1.0, status="passed")
    assert grade_of(client, made, learner.id)["grade"] == pytest.approx(0.4)
    with time_machine.travel(DUE + timedelta(minutes=1), tick=False):
        (shown,) = client.get("/api/deadlines?course=example&exercise=add", headers=headers).json()
    assert shown["state"] == "closed"


def test_an_extension_moves_one_learners_due_time(
    client: TestClient, setup, graded, make_user, join
) -> None:
    made, learner, headers, item = setup(late_policy="closed")
    other = make_user()
    join(other, made["join_code"])
    late = DUE + timedelta(days=1)
    graded(learner, at=late, score=1.0, status="passed")
    graded(other, at=late, score=1.0, status="passed")
    extended = client.put(
        f"/api/classes/{made['id']}/assignments/{item['id']}/extensions/{learner.id}",
        json={"due_at": (DUE + timedelta(days=2)).isoformat()},
        headers=made["headers"],
    )
    assert extended.status_code == 200, extended.text
    assert grade_of(client, made, learner.id)["grade"] == 1.0
    assert grade_of(client, made, other.id)["grade"] == 0.0
    with time_machine.travel(late, tick=False):
        (shown,) = client.get("/api/deadlines?course=example&exercise=add", headers=headers).json()
    assert shown["extended"] is True and shown["state"] == "open"
    assert shown["seconds_left"] == 86400


def test_best_or_last(client: TestClient, setup, graded) -> None:
    made_best, learner, _, _ = setup(grade_rule="best")
    graded(learner, at=DUE - timedelta(hours=3), score=0.9)
    graded(learner, at=DUE - timedelta(hours=2), score=0.6)
    assert grade_of(client, made_best, learner.id)["grade"] == pytest.approx(0.9)
    made_last, other, _, _ = setup(grade_rule="last")
    graded(other, at=DUE - timedelta(hours=3), score=0.9)
    last_id = graded(other, at=DUE - timedelta(hours=2), score=0.6)
    got = grade_of(client, made_last, other.id)
    assert got["grade"] == pytest.approx(0.6)
    assert got["exercises"][0]["submission_id"] == last_id


def test_a_platform_fault_is_never_counted(client: TestClient, setup, graded) -> None:
    made, learner, _, _ = setup(grade_rule="last")
    graded(learner, at=DUE - timedelta(hours=3), score=0.9)
    graded(learner, at=DUE - timedelta(hours=2), score=0.0, status="infra-error")
    assert grade_of(client, made, learner.id)["grade"] == pytest.approx(0.9)


def test_lms_export_has_points_per_assignment(client: TestClient, setup, graded) -> None:
    made, learner, _, _ = setup()
    graded(learner, at=DUE - timedelta(hours=1), score=0.75)
    text = client.get(
        f"/api/classes/{made['id']}/gradebook-lms.csv", headers=made["headers"]
    ).text.splitlines()
    assert text[0] == "Student,ID,SIS User ID,SIS Login ID,Section,Week 1"
    assert text[1] == "Points Possible,,,,,100"
    assert text[2] == f"Learner Person,,,{learner.email},Period 3,75.00"


def test_a_closed_assignment_refuses_submissions_unless_extended(
    client: TestClient, setup, make_user, login
) -> None:
    made, learner, headers, item = setup(late_policy="closed")
    submit = "/api/courses/example/exercises/add/submissions"
    with time_machine.travel(DUE + timedelta(minutes=1), tick=False):
        refused = client.post(
            submit, json={"code": "def add(a, b):\n    return a + b\n"}, headers=headers
        )
        assert refused.status_code == 409, refused.text
        assert "closed" in refused.json()["detail"] and "Week 1" in refused.json()["detail"]
        alone = login(make_user())  # no class: self-study is never refused
        assert client.post(submit, json={"code": "x = 1"}, headers=alone).status_code == 202
        extended = client.put(
            f"/api/classes/{made['id']}/assignments/{item['id']}/extensions/{learner.id}",
            json={"due_at": (DUE + timedelta(days=2)).isoformat()},
            headers=made["headers"],
        )
        assert extended.status_code == 200, extended.text
        again = client.post(submit, json={"code": "x = 1"}, headers=headers)
        assert again.status_code == 202, again.text
