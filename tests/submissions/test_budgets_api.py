"""Submission budgets and limits through the HTTP API, under concurrency (issues 12.4, 13.8,
13.13): per-exercise code size, daily budget, per-minute limit, text that is not text."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.submissions.helpers import SOLUTION, SUBMIT_URL

BUDGET_URL = "/api/courses/example/exercises/add/budget"


@pytest.fixture
def courses_dir(courses_dir: Path) -> Path:
    """The example exercise with a 2 KB code cap and 3 submissions a day."""
    spec = courses_dir / "example" / "exercises" / "add" / "exercise.yaml"
    spec.write_text(spec.read_text() + "max_code_kb: 2\ndaily_submissions: 3\n")
    return courses_dir


def _parallel(client: TestClient, headers: dict[str, str], n: int) -> Counter[int]:
    def send(_: int) -> int:
        return client.post(SUBMIT_URL, json={"code": SOLUTION}, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=n) as pool:
        return Counter(pool.map(send, range(n)))


def test_code_over_the_exercise_cap_is_413_naming_the_limit(
    client: TestClient, make_user, login
) -> None:
    headers = login(make_user())
    response = client.post(SUBMIT_URL, json={"code": "#" * 3000}, headers=headers)
    assert response.status_code == 413
    assert "limit is 2 KB" in response.json()["detail"]
    assert client.get(BUDGET_URL, headers=headers).json()["max_code_kb"] == 2


def test_simultaneous_submissions_get_exactly_the_per_minute_limit(
    client: TestClient, app, make_user, login
) -> None:
    settings = app.state.settings  # the app runs on a copy of the fixture's settings
    """Regression: 30 simultaneous submissions got 2-5 accepted against a limit of 2."""
    settings.submissions_per_minute = 2
    settings.max_running_per_learner = 100
    headers = login(make_user())
    counts = _parallel(client, headers, 30)
    assert counts == Counter({202: 2, 429: 28}), counts


def test_the_daily_budget_holds_under_concurrency_and_is_shown(
    client: TestClient, app, make_user, login
) -> None:
    settings = app.state.settings  # the app runs on a copy of the fixture's settings
    settings.submissions_per_minute = 100
    settings.max_running_per_learner = 100
    headers = login(make_user())
    before = client.get(BUDGET_URL, headers=headers).json()
    assert before["daily_submissions"] == 3 and before["left_today"] == 3
    counts = _parallel(client, headers, 30)
    assert counts == Counter({202: 3, 429: 27}), counts
    refused = client.post(SUBMIT_URL, json={"code": SOLUTION}, headers=headers)
    assert refused.status_code == 429 and "today's 3 submissions" in refused.json()["detail"]
    assert int(refused.headers["Retry-After"]) > 0
    after = client.get(BUDGET_URL, headers=headers).json()
    assert after["left_today"] == 0 and after["resets_at"]
    # Another learner has a budget of their own.
    other = login(make_user())
    assert client.post(SUBMIT_URL, json={"code": SOLUTION}, headers=other).status_code == 202


@pytest.mark.parametrize(
    ("code", "words"),
    [("x = 1\ny = '\ud800'\n", "broken character on line 2"), ("x = 1\x00\n", "NUL character")],
)
def test_text_that_is_not_text_is_422_with_a_clear_message(
    client: TestClient, make_user, login, code: str, words: str
) -> None:
    """Regression (issue 13.13): a lone surrogate or a NUL in submitted code gave a 500."""
    headers = {**login(make_user()), "Content-Type": "application/json"}
    # As a browser sends it: JSON with the character escaped (\\ud800 is valid JSON).
    body = json.dumps({"code": code}, ensure_ascii=True)
    submitted = client.post(SUBMIT_URL, content=body, headers=headers)
    assert submitted.status_code == 422 and words in submitted.json()["detail"]
    cell = json.dumps({"course": "example", "lesson": "functions", "code": code})
    ran = client.post("/api/runs", content=cell, headers=headers)
    assert ran.status_code == 422 and words in ran.json()["detail"]
