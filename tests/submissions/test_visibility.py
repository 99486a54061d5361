"""Who may submit to, and run cells of, a course: the same visibility as reading it (a learner
cannot grade against a draft course they cannot read)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from feynlab.accounts.models import Role
from feynlab.settings import Settings
from tests.submissions.helpers import SOLUTION, SUBMIT_URL

RUN = {"code": "print(1)", "course": "example", "lesson": "numbers"}


def _make_draft(settings: Settings) -> None:
    manifest = settings.courses_dir / "example" / "course.yaml"
    manifest.write_text(manifest.read_text() + "draft: true\n")


def test_a_learner_cannot_submit_to_or_run_cells_of_a_draft_course(
    settings: Settings, client: TestClient, make_user, login
) -> None:
    _make_draft(settings)
    staff = login(make_user(Role.instructor))
    assert client.post("/api/courses/reload", headers=staff).status_code == 200
    learner = login(make_user())
    assert client.get("/api/courses/example/exercises/add", headers=learner).status_code == 404
    submitted = client.post(SUBMIT_URL, json={"code": SOLUTION}, headers=learner)
    assert submitted.status_code == 404, submitted.text
    assert submitted.json()["detail"] == "There is no course 'example'."
    assert client.post("/api/runs", json=RUN, headers=learner).status_code == 404
    mine = client.get("/api/courses/example/exercises/add/submissions", headers=learner).json()
    assert mine == []


def test_staff_may_submit_to_a_draft_course_they_are_writing(
    settings: Settings, client: TestClient, make_user, login
) -> None:
    _make_draft(settings)
    staff = login(make_user(Role.instructor))
    assert client.post("/api/courses/reload", headers=staff).status_code == 200
    submitted = client.post(SUBMIT_URL, json={"code": SOLUTION}, headers=staff)
    assert submitted.status_code == 202, submitted.text
