"""Who may change code that runs on the server (issue 13.12): saving grader.py through the
authoring API ran the instructor's code as the server on the next submission."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from feynlab.accounts.models import Role
from feynlab.settings import Settings

GRADER = "/api/authoring/courses/example/files/exercises/add/grader.py"
HELPER = "/api/authoring/courses/example/files/exercises/add/helpers.py"
SOLUTION = "/api/authoring/courses/example/files/exercises/add/solution.py"
# A grader the format check accepts, which would run as the server on the next submission.
PAYLOAD = (
    "import os\n\n\ndef grade(judge):\n    raise SystemExit(os.environ.get('FEYNLAB_SECRET_KEY'))\n"
)


def test_an_instructor_cannot_save_server_side_code(
    client: TestClient, make_user, login, example_dir: Path
) -> None:
    staff = login(make_user(Role.instructor))
    before = (example_dir / "exercises/add/grader.py").read_text()
    for url in (GRADER, HELPER):
        refused = client.put(url, json={"content": PAYLOAD}, headers=staff)
        assert refused.status_code == 403, refused.text
        assert "Only an admin" in refused.json()["detail"]
    assert (example_dir / "exercises/add/grader.py").read_text() == before
    assert not (example_dir / "exercises/add/helpers.py").exists()
    shown = client.get(GRADER, headers=staff).json()
    assert shown["editable"] is False and "runs on the server" in shown["read_only_reason"]
    # What runs in the sandbox stays the instructor's to edit.
    solution = client.get(SOLUTION, headers=staff).json()
    assert solution["editable"] is True and solution["read_only_reason"] is None
    saved = client.put(SOLUTION, json={"content": solution["content"]}, headers=staff)
    assert saved.status_code == 200, saved.text


def test_an_admin_can_save_a_grader(client: TestClient, make_user, login, example_dir: Path):
    admin = login(make_user(Role.admin))
    grader = (example_dir / "exercises/add/grader.py").read_text()
    assert client.get(GRADER, headers=admin).json()["editable"] is True
    saved = client.put(GRADER, json={"content": grader + "\n# reviewed\n"}, headers=admin)
    assert saved.status_code == 200, saved.text


def test_a_setting_lets_instructors_edit_graders(
    settings: Settings, make_user, login, example_dir: Path
) -> None:
    from feynlab.app import create_app

    allowed = settings.model_copy(update={"instructors_edit_graders": True})
    with TestClient(create_app(allowed)) as client:
        staff = login(make_user(Role.instructor))
        grader = (example_dir / "exercises/add/grader.py").read_text()
        saved = client.put(GRADER, json={"content": grader + "\n# ok\n"}, headers=staff)
        assert saved.status_code == 200, saved.text
