"""A learner's own data through the API: the export holds their code and the verdicts they saw
(no staff-only figures), and deleting the account removes it with everything stored about it."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from feynlab.submissions.models import Submission
from tests.conftest import PASSWORD

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _with_staff_details(app: FastAPI, submission_id: int) -> None:
    with app.state.sessionmaker() as db:
        row = db.get(Submission, submission_id)
        assert row is not None
        row.result = {
            "status": "failed",
            "score": 0.5,
            "feedback": "Half of the cases pass.",
            "staff": {"metrics": {"accuracy": 0.5123}, "view_seed": 987654321},
        }
        db.commit()


def test_export_holds_my_code_and_verdicts_only(
    app: FastAPI, client: TestClient, make_user, login, graded, make_class, join
) -> None:
    me, other = make_user(), make_user()
    made = make_class()
    join(me, made["join_code"])
    mine = graded(me, at=NOW, score=0.5)
    _with_staff_details(app, mine)
    graded(other, at=NOW, score=0.9)
    response = client.get("/api/me/export", headers=login(me))
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert data["account"]["email"] == me.email
    assert [c["name"] for c in data["classes"]] == ["Period 3"]
    (submission,) = data["submissions"]
    assert submission["code"] == "def add(a, b):\n    return 0.5\n"
    assert submission["outcome"]["feedback"] == "Half of the cases pass."
    assert "987654321" not in response.text and "0.5123" not in response.text


def test_deleting_my_account_removes_everything(
    app: FastAPI, client: TestClient, make_user, login, graded, make_class, join
) -> None:
    me, other = make_user(), make_user()
    made = make_class()
    headers = join(me, made["join_code"])
    graded(me, at=NOW, score=0.5)
    graded(other, at=NOW, score=0.9)
    wrong = client.post("/api/me/delete", json={"password": "not it"}, headers=headers)
    assert wrong.status_code == 422
    assert "not deleted" in wrong.json()["detail"]
    done = client.post("/api/me/delete", json={"password": PASSWORD}, headers=headers)
    assert done.status_code == 204
    assert client.get("/api/me", headers=headers).status_code == 401
    again = client.post("/api/auth/login", json={"email": me.email, "password": PASSWORD})
    assert again.status_code == 401
    with app.state.sessionmaker() as db:
        owners = db.scalars(select(Submission.user_id)).all()
        assert owners == [other.id]
        assert db.scalar(select(func.count()).select_from(Submission)) == 1
    members = client.get(f"/api/classes/{made['id']}", headers=made["headers"]).json()["members"]
    assert [m["role"] for m in members] == ["instructor"]
