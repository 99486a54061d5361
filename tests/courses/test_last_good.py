"""A course whose folder becomes invalid keeps being served in its last good version, also
after a restart; instructors see that it is stale and why."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from feynlab.accounts.models import Role
from feynlab.app import create_app
from feynlab.settings import Settings


def break_course(example_dir: Path) -> None:
    manifest = example_dir / "course.yaml"
    text = manifest.read_text().replace("title: Example course", "title: Changed but broken")
    manifest.write_text(text.replace("level: beginner", "level: expert"))


def test_broken_folder_keeps_serving_the_last_good_version(
    client: TestClient, make_user, login, example_dir: Path, settings: Settings
) -> None:
    staff = login(make_user(Role.instructor))
    learner = login(make_user())
    break_course(example_dir)
    [reloaded] = client.post("/api/courses/reload", headers=staff).json()
    assert reloaded["status"] == "invalid" and reloaded["stale"] is True
    assert reloaded["problems"][0]["file"] == "course.yaml"
    assert reloaded["problems"][0]["line"] == 4
    assert "level" in reloaded["problems"][0]["message"]

    [seen_by_learner] = client.get("/api/courses", headers=learner).json()
    assert seen_by_learner["title"] == "Example course"
    assert seen_by_learner["status"] is None and seen_by_learner["problems"] is None
    assert client.get("/api/courses/example/lessons/numbers").status_code == 200

    syllabus = client.get("/api/courses/example", headers=staff).json()
    assert syllabus["title"] == "Example course"
    assert syllabus["status"] == "invalid" and syllabus["stale"] is True
    assert syllabus["problems"][0]["line"] == 4

    # A fresh process on the same database still has the last good version.
    with TestClient(create_app(settings)) as restarted:
        again = restarted.get("/api/courses/example/lessons/numbers")
        assert again.status_code == 200 and again.json()["title"] == "Numbers and sums"
        [entry] = restarted.get("/api/courses", headers=staff).json()
        assert entry["status"] == "invalid" and entry["title"] == "Example course"


def test_fixing_the_folder_serves_the_new_version(
    client: TestClient, make_user, login, example_dir: Path
) -> None:
    staff = login(make_user(Role.instructor))
    break_course(example_dir)
    client.post("/api/courses/reload", headers=staff)
    manifest = example_dir / "course.yaml"
    manifest.write_text(manifest.read_text().replace("level: expert", "level: advanced"))
    [reloaded] = client.post("/api/courses/reload", headers=staff).json()
    assert reloaded == {**reloaded, "status": "ok", "stale": False, "problems": []}
    [course] = client.get("/api/courses").json()
    assert course["title"] == "Changed but broken" and course["level"] == "advanced"


def test_a_course_never_valid_is_409_for_staff_and_hidden_from_learners(
    client: TestClient, make_user, login, courses_dir: Path
) -> None:
    broken = courses_dir / "broken"
    broken.mkdir()
    (broken / "course.yaml").write_text(
        "slug: broken\ntitle: Broken\nlevel: beginner\nlessons: [x]\n"
    )
    staff = login(make_user(Role.instructor))
    client.post("/api/courses/reload", headers=staff)
    assert [c["slug"] for c in client.get("/api/courses").json()] == ["example"]
    assert client.get("/api/courses/broken").status_code == 404
    entries = {c["slug"]: c for c in client.get("/api/courses", headers=staff).json()}
    assert entries["broken"]["status"] == "invalid" and entries["broken"]["lesson_count"] == 0
    conflict = client.get("/api/courses/broken", headers=staff)
    assert conflict.status_code == 409
    assert "no earlier good version" in conflict.json()["detail"]
    assert "lessons/x.md is missing" in conflict.json()["detail"]


def test_a_removed_folder_disappears(
    client: TestClient, make_user, login, courses_dir: Path
) -> None:
    staff = login(make_user(Role.instructor))
    (courses_dir / "example").rename(courses_dir / ".example-hidden")
    assert client.post("/api/courses/reload", headers=staff).json() == []
    assert client.get("/api/courses").json() == []
