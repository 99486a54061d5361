"""The exercise page's Run: public checks (public.py) through the HTTP API, in the real sandbox;
and what the page shows before submitting (rules, limits, the budget)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import EXAMPLE_COURSES
from tests.submissions.helpers import SOLUTION, STARTER, SUBMIT_URL, read_events, wait_done

pytestmark = pytest.mark.sandbox

CHECKS_URL = "/api/courses/example/exercises/add/checks"
PUBLIC = """
import numpy as np

from feynlab.grading.public import Check, run_checks


def grade(judge):
    return run_checks(judge, [
        Check("two small arrays", "add", args=(np.array([1, 2]), np.array([10, 20])),
              expected=np.array([11, 22])),
        Check("negative numbers", "add", args=(np.array([-1.5]), np.array([0.5])),
              expected=np.array([-1.0])),
    ])
"""
RULES = """rules:
  - text: "Return a NumPy array of the same shape as the inputs."
    checked: true
  - text: "Write it without looking at the solution."
    checked: false
training_s: 3
"""


@pytest.fixture
def courses_dir(tmp_path: Path) -> Path:
    """The example courses, with public checks and rules on `add`."""
    import shutil

    target = tmp_path / "courses"
    shutil.copytree(EXAMPLE_COURSES, target)
    add = target / "example" / "exercises" / "add"
    (add / "public.py").write_text(PUBLIC)
    yaml = add / "exercise.yaml"
    yaml.write_text(yaml.read_text() + RULES)
    return target


def _check(client: TestClient, headers: dict[str, str], code: str) -> dict:
    response = client.post(CHECKS_URL, json={"code": code}, headers=headers)
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["events_url"] == f"/api/submissions/{accepted['id']}/events"
    return accepted


def test_run_shows_the_failing_public_check_then_all_pass_and_nothing_is_counted(
    client: TestClient, make_user, login
) -> None:
    headers = login(make_user())
    failing = _check(client, headers, STARTER)
    verdict = wait_done(client, f"/api/submissions/{failing['id']}", headers)["verdict"]
    assert verdict["status"] == "failed" and verdict["fault"] == "learner"
    checks = verdict["artifacts"]["public_checks"]
    assert [c["name"] for c in checks] == ["two small arrays", "negative numbers"]
    first = checks[0]
    assert first["passed"] is False
    assert first["input"] == "add([1, 2], [10, 20])"
    assert first["expected"] == "[11, 22]" and first["got"] == "None"
    assert "expected a NumPy array" in first["problem"]
    assert verdict["summary"] == "0 of 2 public checks passed"

    passing = _check(client, headers, SOLUTION)
    events = [e for _, e in read_events(client, passing["events_url"], headers)]
    assert events[-1]["type"] == "verdict" and events[-1]["status"] == "passed"
    assert all(c["passed"] for c in events[-1]["artifacts"]["public_checks"])
    assert events[-1]["summary"] == "all 2 public checks passed"

    # Run is not a submission: no history, no progress
    assert client.get(SUBMIT_URL, headers=headers).json() == []
    progress = client.get("/api/courses/example", headers=headers).json()["progress"]
    assert progress["exercises_passed"] == 0


def test_the_learners_own_error_in_a_check_points_to_their_line(
    client: TestClient, make_user, login
) -> None:
    headers = login(make_user())
    code = "def add(a, b):\n    total = a + b\n    raise ValueError('not yet')\n"
    done = wait_done(client, f"/api/submissions/{_check(client, headers, code)['id']}", headers)
    verdict = done["verdict"]
    assert verdict["status"] == "error" and verdict["fault"] == "learner"
    assert verdict["error_line"] == 3
    assert "not yet" in verdict["error"]


def test_the_page_gets_rules_limits_and_whether_run_has_checks(
    client: TestClient, make_user, login
) -> None:
    headers = login(make_user())
    exercise = client.get("/api/courses/example/exercises/add", headers=headers).json()
    assert exercise["has_public_checks"] is True
    assert exercise["training_s"] == 3  # the page counts it down while grading
    assert exercise["rules"] == [
        {"text": "Return a NumPy array of the same shape as the inputs.", "checked": True},
        {"text": "Write it without looking at the solution.", "checked": False},
    ]
    budget = client.get("/api/courses/example/exercises/add/budget", headers=headers).json()
    assert budget["limits"] == {"wall_s": 5, "cpu_s": 5, "memory_mb": 256, "output_kb": 64}
    assert budget["max_code_kb"] == 64
