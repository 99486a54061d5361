"""Factories for the class tests: a class made through the API, and verdicts stored as the
grading queue stores them (a graded submission row), at a chosen time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from feynlab.accounts.models import Role, User
from feynlab.submissions.models import Kind, State, Submission


@pytest.fixture
def make_class(client: TestClient, make_user, login) -> Callable[..., dict[str, Any]]:
    """A class of the example course; returns its JSON plus the instructor and their headers."""

    def factory(name: str = "Period 3") -> dict[str, Any]:
        teacher = make_user(Role.instructor)
        headers = login(teacher)
        response = client.post(
            "/api/classes", json={"name": name, "courses": ["example"]}, headers=headers
        )
        assert response.status_code == 201, response.text
        return {**response.json(), "teacher": teacher, "headers": headers}

    return factory


@pytest.fixture
def join(client: TestClient, login) -> Callable[[User, str], dict[str, str]]:
    def do_join(user: User, code: str) -> dict[str, str]:
        headers = login(user)
        response = client.post("/api/classes/join", json={"code": code}, headers=headers)
        assert response.status_code == 200, response.text
        return headers

    return do_join


@pytest.fixture
def graded(app: FastAPI) -> Callable[..., int]:
    """A stored verdict for ``user`` on example/add, made at ``at``."""

    def store(
        user: User, *, at: datetime, score: float, status: str = "failed", exercise: str = "add"
    ) -> int:
        with app.state.sessionmaker() as db:
            row = Submission(
                kind=Kind.submission.value,
                user_id=user.id,
                course="example",
                exercise=exercise,
                code=f"def add(a, b):\n    return {score!r}\n",
                state=State.done.value,
                status=status,
                score=score,
                result={"status": status, "score": score},
                created_at=at,
                finished_at=at,
            )
            db.add(row)
            db.commit()
            return row.id

    return store
