"""Classes through the API: create, join by code, roles per class, and an instructor or TA
sees the learners and submissions of their own classes only."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from feynlab.accounts.models import Role

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_instructor_creates_a_class_and_a_learner_joins_with_the_code(
    client: TestClient, make_class, make_user, join
) -> None:
    made = make_class()
    assert made["my_role"] == "instructor"
    code = made["join_code"]
    assert len(code) == 10
    learner = make_user()
    # Codes are forgiving about case and dashes, as people copy them from a board.
    headers = join(learner, f"{code[:5].lower()}-{code[5:]}")
    mine = client.get("/api/classes", headers=headers).json()
    assert [(c["name"], c["my_role"], c["join_code"]) for c in mine] == [
        ("Period 3", "learner", None)
    ]
    detail = client.get(f"/api/classes/{made['id']}", headers=headers).json()
    # A learner sees the staff of the class, not the other learners.
    assert [m["role"] for m in detail["members"]] == ["instructor"]
    staff_view = client.get(f"/api/classes/{made['id']}", headers=made["headers"]).json()
    assert sorted(m["role"] for m in staff_view["members"]) == ["instructor", "learner"]


def test_a_wrong_code_says_what_to_check(client: TestClient, make_user, login) -> None:
    response = client.post(
        "/api/classes/join", json={"code": "NOPE-NOPE"}, headers=login(make_user())
    )
    assert response.status_code == 404
    assert "join code" in response.json()["detail"]


def test_a_learner_cannot_create_a_class(client: TestClient, make_user, login) -> None:
    response = client.post(
        "/api/classes", json={"name": "Mine", "courses": ["example"]}, headers=login(make_user())
    )
    assert response.status_code == 403


def test_a_new_code_retires_the_old_one(client: TestClient, make_class, make_user, login) -> None:
    made = make_class()
    fresh = client.post(f"/api/classes/{made['id']}/join-code", headers=made["headers"]).json()
    assert fresh["join_code"] != made["join_code"]
    headers = login(make_user())
    old = client.post("/api/classes/join", json={"code": made["join_code"]}, headers=headers)
    assert old.status_code == 404


def test_staff_see_their_own_class_only(
    client: TestClient, make_class, make_user, join, login, graded
) -> None:
    first, second = make_class("First"), make_class("Second")
    alice, bob = make_user(), make_user()
    join(alice, first["join_code"])
    join(bob, second["join_code"])
    graded(alice, at=NOW, score=0.5)
    graded(bob, at=NOW, score=0.7)

    book = client.get(f"/api/classes/{first['id']}/gradebook", headers=first["headers"]).json()
    assert [r["learner"]["id"] for r in book["exercises"]] == [alice.id]
    csv_text = client.get(
        f"/api/classes/{first['id']}/gradebook.csv", headers=first["headers"]
    ).text
    assert alice.email in csv_text and bob.email not in csv_text

    # The first class's instructor cannot read the second class, nor its learner.
    assert client.get(f"/api/classes/{second['id']}", headers=first["headers"]).status_code == 404
    other = client.get(f"/api/classes/{first['id']}/learners/{bob.id}", headers=first["headers"])
    assert other.status_code == 404
    page = client.get(f"/api/classes/{first['id']}/learners/{alice.id}", headers=first["headers"])
    assert page.status_code == 200
    assert [s["code"] for s in page.json()["submissions"]] == ["def add(a, b):\n    return 0.5\n"]


def test_a_ta_sees_grades_but_cannot_manage(
    client: TestClient, make_class, make_user, join, login
) -> None:
    made = make_class()
    ta = make_user()  # a learner account everywhere else
    added = client.post(
        f"/api/classes/{made['id']}/members",
        json={"email": ta.email, "role": "ta"},
        headers=made["headers"],
    )
    assert added.status_code == 200, added.text
    ta_headers = login(ta)
    assert client.get(f"/api/classes/{made['id']}/gradebook", headers=ta_headers).status_code == 200
    assert (
        client.post(f"/api/classes/{made['id']}/join-code", headers=ta_headers).status_code == 403
    )
    assert client.get(f"/api/classes/{made['id']}", headers=ta_headers).json()["join_code"] is None
    # ... and the global instructor routes stay closed to them.
    assert client.get("/api/instructor/gradebook", headers=ta_headers).status_code == 403
    # A learner of the class sees no gradebook.
    learner_headers = join(make_user(), made["join_code"])
    denied = client.get(f"/api/classes/{made['id']}/gradebook", headers=learner_headers)
    assert denied.status_code == 403


def test_co_instructor_and_the_last_instructor_stays(
    client: TestClient, make_class, make_user, login
) -> None:
    made = make_class()
    co = make_user(Role.learner)
    url = f"/api/classes/{made['id']}/members"
    client.post(url, json={"email": co.email, "role": "instructor"}, headers=made["headers"])
    co_headers = login(co)
    assert client.get(f"/api/classes/{made['id']}", headers=co_headers).json()["join_code"]
    # The creator leaves; the co-instructor is then the last one and cannot be demoted.
    left = client.delete(f"{url}/{made['teacher'].id}", headers=made["headers"])
    assert left.status_code == 204
    demoted = client.post(url, json={"email": co.email, "role": "ta"}, headers=co_headers)
    assert demoted.status_code == 409
    assert "at least one instructor" in demoted.json()["detail"]


def test_a_learner_in_two_classes_sees_both(
    client: TestClient, make_class, make_user, join
) -> None:
    first, second = make_class("Morning"), make_class("Evening")
    learner = make_user()
    join(learner, first["join_code"])
    headers = join(learner, second["join_code"])
    names = [c["name"] for c in client.get("/api/classes", headers=headers).json()]
    assert names == ["Evening", "Morning"]


def test_the_demo_works_without_a_class(client: TestClient, make_user, login, graded) -> None:
    """Global roles keep working: a global instructor sees every learner without any class."""
    learner = make_user()
    graded(learner, at=NOW, score=1.0, status="passed")
    headers = login(make_user(Role.instructor))
    book = client.get("/api/instructor/gradebook", headers=headers).json()
    assert [row["learner"]["id"] for row in book] == [learner.id]
    assert client.get("/api/classes", headers=headers).json() == []
