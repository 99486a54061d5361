"""Walks every route of the OpenAPI schema as an anonymous caller, a learner and an instructor,
and checks who may do what. A new route must be classified here or this test fails."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from feynlab.accounts.models import Role

PUBLIC, LEARNER, INSTRUCTOR, ADMIN = "public", "learner", "instructor", "admin"

ACCESS: dict[tuple[str, str], str] = {
    ("GET", "/api/health"): PUBLIC,
    ("POST", "/api/auth/signup"): PUBLIC,
    ("POST", "/api/auth/login"): PUBLIC,
    ("POST", "/api/auth/logout"): LEARNER,
    ("GET", "/api/me"): LEARNER,
    ("POST", "/api/me/password"): LEARNER,
    ("GET", "/api/courses"): PUBLIC,
    ("GET", "/api/courses/{course}"): PUBLIC,
    ("GET", "/api/courses/{course}/lessons/{lesson}"): PUBLIC,
    ("GET", "/api/courses/{course}/exercises/{exercise}"): PUBLIC,
    ("GET", "/api/courses/{course}/figures/{name}"): PUBLIC,
    ("POST", "/api/courses/{course}/lessons/{lesson}/read"): LEARNER,
    ("POST", "/api/courses/{course}/lessons/{lesson}/quizzes/{quiz}/answers"): LEARNER,
    ("GET", "/api/progress"): LEARNER,
    ("GET", "/api/progress/{user_id}"): LEARNER,  # a learner may read only their own
    ("GET", "/api/courses/{course}/exercises/{exercise}/budget"): LEARNER,
    ("GET", "/api/courses/{course}/exercises/{exercise}/submissions"): LEARNER,
    ("POST", "/api/courses/{course}/exercises/{exercise}/submissions"): LEARNER,
    ("POST", "/api/courses/{course}/exercises/{exercise}/checks"): LEARNER,
    ("GET", "/api/submissions/{submission_id}"): LEARNER,
    ("GET", "/api/submissions/{submission_id}/events"): LEARNER,
    ("POST", "/api/runs"): LEARNER,
    ("GET", "/api/runs/{run_id}"): LEARNER,
    ("GET", "/api/runs/{run_id}/events"): LEARNER,
    ("GET", "/api/courses/{course}/lessons/{lesson}/session"): LEARNER,
    ("GET", "/api/courses/{course}/lessons/{lesson}/session/running"): LEARNER,
    ("POST", "/api/courses/{course}/lessons/{lesson}/session/restart"): LEARNER,
    ("GET", "/api/courses/{course}/lessons/{lesson}/session.ipynb"): LEARNER,
    ("POST", "/api/courses/{course}/lessons/{lesson}/cells/{index}/run"): LEARNER,
    ("PUT", "/api/courses/{course}/lessons/{lesson}/cells/{index}"): LEARNER,
    ("POST", "/api/courses/reload"): INSTRUCTOR,
    ("POST", "/api/courses/{course}/reload"): INSTRUCTOR,
    ("GET", "/api/courses/{course}/progress"): INSTRUCTOR,
    ("POST", "/api/courses/{course}/exercises/{exercise}/regrade"): INSTRUCTOR,
    ("POST", "/api/submissions/{submission_id}/regrade"): INSTRUCTOR,
    ("GET", "/api/instructor/gradebook"): INSTRUCTOR,
    ("GET", "/api/instructor/gradebook.csv"): INSTRUCTOR,
    ("GET", "/api/instructor/learners/{learner_id}"): INSTRUCTOR,
    ("GET", "/api/authoring/courses"): INSTRUCTOR,
    ("POST", "/api/authoring/courses"): INSTRUCTOR,
    ("GET", "/api/authoring/courses/{course}/files"): INSTRUCTOR,
    ("GET", "/api/authoring/courses/{course}/files/{path}"): INSTRUCTOR,
    ("PUT", "/api/authoring/courses/{course}/files/{path}"): INSTRUCTOR,
    ("POST", "/api/authoring/preview-check"): INSTRUCTOR,
    ("POST", "/api/authoring/courses/{course}/exercises/{exercise}/try"): INSTRUCTOR,
    ("POST", "/api/authoring/courses/{course}/lessons/import"): INSTRUCTOR,
    ("GET", "/api/courses/{course}/lessons/{lesson}/notebook.ipynb"): PUBLIC,
    ("GET", "/api/courses/{course}/lessons/{lesson}/notebook.py"): PUBLIC,
    ("GET", "/api/lti/jwks"): PUBLIC,
    ("GET", "/api/lti/login"): PUBLIC,  # an LMS's redirect: checked in the launch
    ("POST", "/api/lti/login"): PUBLIC,
    ("POST", "/api/lti/launch"): PUBLIC,  # the id_token is the credential
    ("POST", "/api/lti/deep-link"): PUBLIC,  # a ticket signed by the tool is the credential
    ("GET", "/api/lti/config"): ADMIN,
    ("GET", "/api/lti/platforms"): ADMIN,
    ("POST", "/api/lti/platforms"): ADMIN,
    ("DELETE", "/api/lti/platforms/{platform_id}"): ADMIN,
    ("POST", "/api/lti/classes/{class_id}/roster"): LEARNER,  # the class's instructors (below)
    ("GET", "/api/classes/{class_id}/similarity"): LEARNER,  # the class's staff (below)
    ("GET", "/api/classes/{class_id}/similarity.csv"): LEARNER,
    ("GET", "/api/me/export"): LEARNER,
    ("POST", "/api/me/delete"): LEARNER,  # the password confirms it (an empty body: a 422)
    ("GET", "/api/classes"): LEARNER,
    ("POST", "/api/classes"): LEARNER,  # a global instructor's; a learner gets a 403 inside
    ("POST", "/api/classes/join"): LEARNER,
    ("GET", "/api/deadlines"): LEARNER,
    # A class's routes: members only (a 404 for everyone else), see test_class_routes_...
    ("GET", "/api/classes/{class_id}"): LEARNER,
    ("PATCH", "/api/classes/{class_id}"): LEARNER,
    ("POST", "/api/classes/{class_id}/join-code"): LEARNER,
    ("POST", "/api/classes/{class_id}/members"): LEARNER,
    ("DELETE", "/api/classes/{class_id}/members/{user_id}"): LEARNER,
    ("POST", "/api/classes/{class_id}/assignments"): LEARNER,
    ("PUT", "/api/classes/{class_id}/assignments/{assignment_id}"): LEARNER,
    ("DELETE", "/api/classes/{class_id}/assignments/{assignment_id}"): LEARNER,
    ("PUT", "/api/classes/{class_id}/assignments/{assignment_id}/extensions/{user_id}"): LEARNER,
    ("DELETE", "/api/classes/{class_id}/assignments/{assignment_id}/extensions/{user_id}"): (
        LEARNER
    ),
    ("GET", "/api/classes/{class_id}/gradebook"): LEARNER,
    ("GET", "/api/classes/{class_id}/gradebook.csv"): LEARNER,
    ("GET", "/api/classes/{class_id}/gradebook-lms.csv"): LEARNER,
    ("GET", "/api/classes/{class_id}/learners/{learner_id}"): LEARNER,
}

SAMPLES = {
    "course": "example",
    "lesson": "numbers",
    "exercise": "add",
    "quiz": "sum-ten",
    "name": "staircase.svg",
    "path": "course.yaml",
    "submission_id": "999999",
    "run_id": "999999",
    "index": "0",
    "class_id": "999999",
    "assignment_id": "999999",
    "platform_id": "999999",
}


def routes(app: FastAPI) -> list[tuple[str, str]]:
    return sorted(
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        for method in item
        if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}
    )


def call(client: TestClient, method: str, path: str, user_id: int, headers: dict[str, str]):
    values = {**SAMPLES, "user_id": str(user_id), "learner_id": str(user_id)}
    url = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
    # An empty body: allowed callers get a 422 (or a result), never a 401 or 403.
    kwargs = {"json": {}} if method in {"POST", "PUT", "PATCH"} else {}
    if path.endswith("/logout"):
        kwargs = {}
    return client.request(method, url, headers=headers, **kwargs)


def test_every_route_is_classified(app: FastAPI) -> None:
    unclassified = [route for route in routes(app) if route not in ACCESS]
    assert unclassified == [], "classify these routes in ACCESS"
    gone = [route for route in ACCESS if route not in routes(app)]
    assert gone == [], "these routes no longer exist"


@pytest.mark.parametrize("who", ["anonymous", LEARNER, INSTRUCTOR])
def test_who_may_do_what(who: str, app: FastAPI, client: TestClient, make_user, login) -> None:
    headers: dict[str, str] = {}
    user_id = 1
    if who != "anonymous":
        user = make_user(Role.learner if who == LEARNER else Role.instructor)
        user_id = user.id
    wrong = []
    # Logout and the password change end the login, so they go last.
    ending = ("/api/auth/logout", "/api/me/password")
    for method, path in sorted(routes(app), key=lambda route: route[1] in ending):
        if who != "anonymous" and (not headers or path in ending):
            headers = login(user)
        needed = ACCESS[(method, path)]
        status = call(client, method, path, user_id, headers).status_code
        if who == "anonymous" and needed != PUBLIC:
            expected_denied = 401
        elif needed in {LEARNER: (INSTRUCTOR, ADMIN), INSTRUCTOR: (ADMIN,)}.get(who, ()):
            expected_denied = 403
        else:
            expected_denied = None
        if expected_denied is not None and status != expected_denied:
            wrong.append(f"{method} {path}: {status}, expected {expected_denied}")
        if expected_denied is None and status in (401, 403):
            wrong.append(f"{method} {path}: {status}, expected to be allowed")
    assert wrong == []


def test_public_course_routes_keep_drafts_from_anonymous_visitors(
    client: TestClient, make_user, login, courses_dir
) -> None:
    """The front door opens the course readers to anonymous visitors: every public route of a
    course must still answer 404 for a draft (a new public course route that forgets fails)."""
    manifest = courses_dir / "example" / "course.yaml"
    manifest.write_text(manifest.read_text() + "draft: true\n")
    staff = login(make_user(Role.instructor))
    assert client.post("/api/courses/example/reload", headers=staff).status_code == 200
    public = [
        (method, path)
        for (method, path), needed in ACCESS.items()
        if needed == PUBLIC and path.startswith("/api/courses")
    ]
    assert ("GET", "/api/courses/{course}/lessons/{lesson}") in public
    leaks = []
    for method, path in public:
        response = call(client, method, path, 1, {})
        if path == "/api/courses":
            if response.json() != []:
                leaks.append(f"{method} {path}: lists the draft")
        elif response.status_code != 404:
            leaks.append(f"{method} {path}: {response.status_code}, expected 404")
        staff_view = call(client, method, path, 1, staff).status_code
        if staff_view != 200:
            leaks.append(f"{method} {path}: staff got {staff_view}")
    assert leaks == []


def test_learner_cannot_read_another_learners_progress(
    client: TestClient, make_user, login
) -> None:
    me, other = make_user(), make_user()
    headers = login(me)
    assert client.get(f"/api/progress/{me.id}", headers=headers).status_code == 200
    denied = client.get(f"/api/progress/{other.id}", headers=headers)
    assert denied.status_code == 403
    instructor = login(make_user(Role.instructor))
    assert client.get(f"/api/progress/{other.id}", headers=instructor).status_code == 200


# Per class: who of a class may call its routes. "staff" is the class's instructors and TAs.
CLASS_ACCESS: dict[tuple[str, str], str] = {
    ("GET", "/api/classes/{class_id}"): "member",
    ("PATCH", "/api/classes/{class_id}"): "instructor",
    ("POST", "/api/classes/{class_id}/join-code"): "instructor",
    ("POST", "/api/classes/{class_id}/members"): "instructor",
    ("DELETE", "/api/classes/{class_id}/members/{user_id}"): "instructor",
    ("POST", "/api/classes/{class_id}/assignments"): "instructor",
    ("PUT", "/api/classes/{class_id}/assignments/{assignment_id}"): "instructor",
    ("DELETE", "/api/classes/{class_id}/assignments/{assignment_id}"): "instructor",
    ("PUT", "/api/classes/{class_id}/assignments/{assignment_id}/extensions/{user_id}"): (
        "instructor"
    ),
    ("DELETE", "/api/classes/{class_id}/assignments/{assignment_id}/extensions/{user_id}"): (
        "instructor"
    ),
    ("GET", "/api/classes/{class_id}/gradebook"): "staff",
    ("GET", "/api/classes/{class_id}/gradebook.csv"): "staff",
    ("GET", "/api/classes/{class_id}/gradebook-lms.csv"): "staff",
    ("GET", "/api/classes/{class_id}/learners/{learner_id}"): "staff",
    ("POST", "/api/lti/classes/{class_id}/roster"): "instructor",
    ("GET", "/api/classes/{class_id}/similarity"): "staff",
    ("GET", "/api/classes/{class_id}/similarity.csv"): "staff",
}
# Allowed callers may get a 404 here: the assignment or the LMS context named does not exist.
MAY_BE_MISSING = ("{assignment_id}", "/api/lti/")
ALLOWED = {
    "member": {"instructor", "ta", "learner"},
    "staff": {"instructor", "ta"},
    "instructor": {"instructor"},
}


def test_every_class_route_is_classified(app: FastAPI) -> None:
    assert sorted(r for r in routes(app) if "{class_id}" in r[1]) == sorted(CLASS_ACCESS)


@pytest.mark.parametrize("role", ["instructor", "ta", "learner", "outsider", "other-instructor"])
def test_class_routes_by_role_in_the_class(role: str, client: TestClient, make_user, login) -> None:
    """An instructor of another class, or any outsider, gets a 404; members by their role."""
    owner = login(make_user(Role.instructor))
    made = client.post("/api/classes", json={"name": "A", "courses": ["example"]}, headers=owner)
    class_id = made.json()["id"]
    other = login(make_user(Role.instructor))
    client.post("/api/classes", json={"name": "B", "courses": ["example"]}, headers=other)
    someone = make_user(Role.learner)
    target = make_user(Role.learner)  # the learner id the routes name (kept in the class)
    for person, class_role in ((target, "learner"), (someone, role)):
        if class_role in ALLOWED["member"]:
            added = client.post(
                f"/api/classes/{class_id}/members",
                json={"email": person.email, "role": class_role},
                headers=owner,
            )
            assert added.status_code == 200, added.text
    headers = other if role == "other-instructor" else login(someone)
    values = {**SAMPLES, "class_id": str(class_id), "user_id": str(target.id)}
    values["learner_id"] = str(target.id)
    # Valid bodies, so that a denial is not hidden behind a 422.
    assignment = {
        "title": "Week 1",
        "course": "example",
        "exercises": ["add"],
        "opens_at": "2026-12-01T08:00:00Z",
        "due_at": "2026-12-08T08:00:00Z",
    }
    bodies = {
        "/api/classes/{class_id}": {"name": "A"},
        "/api/classes/{class_id}/members": {"email": target.email, "role": "learner"},
        "/api/classes/{class_id}/assignments": assignment,
        "/api/classes/{class_id}/assignments/{assignment_id}": assignment,
        "/api/classes/{class_id}/assignments/{assignment_id}/extensions/{user_id}": {
            "due_at": "2026-12-09T08:00:00Z"
        },
    }
    wrong = []
    # Deletions last: removing the named learner would turn the reads after it into 404s.
    for method, path in sorted(CLASS_ACCESS, key=lambda r: (r[0] == "DELETE", r)):
        url = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
        if "/similarity" in path:
            url += "?course=example&exercise=add"
        kwargs = {"json": bodies[path]} if path in bodies else {}
        if method in {"POST", "PUT", "PATCH"} and not kwargs:
            kwargs = {"json": {}}
        got = client.request(method, url, headers=headers, **kwargs).status_code
        needed = ALLOWED[CLASS_ACCESS[(method, path)]]
        if role not in ALLOWED["member"]:
            expected = {404}
        elif role not in needed:
            expected = {403}
        else:
            expected = None
        if expected is not None and got not in expected:
            wrong.append(f"{method} {path}: {got}, expected {expected}")
        if (
            expected is None
            and got in (401, 403)
            or (
                expected is None and got == 404 and not any(part in path for part in MAY_BE_MISSING)
            )
        ):
            wrong.append(f"{method} {path}: {got}, expected to be allowed")
    assert wrong == []
