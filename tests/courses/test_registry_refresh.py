"""A course change made through one web process reaches the others without a restart (two
replicas behind a load balancer share the database and the course folders), and a submission is
graded with the exercise as it was when it was made."""

from __future__ import annotations

from fastapi.testclient import TestClient

from feynlab.accounts.models import Role
from feynlab.courses.find import find_exercise
from feynlab.grading.queue import jobs
from feynlab.settings import Settings
from feynlab.submissions import service
from feynlab.submissions.models import Kind, Submission
from feynlab.submissions.sink import SubmissionSink

YAML = "/api/authoring/courses/example/files/exercises/add/exercise.yaml"
EXERCISE = "/api/courses/example/exercises/add"


def _replica(settings: Settings) -> TestClient:
    from feynlab.app import create_app

    return TestClient(create_app(settings.model_copy(update={"course_refresh_s": 0.0})))


def test_a_pass_bar_saved_on_one_replica_is_served_and_recorded_by_another(
    settings: Settings, make_user, login
) -> None:
    staff, learner = make_user(Role.admin), make_user()
    with _replica(settings) as one, _replica(settings) as two:
        staff_headers, learner_headers = login(staff), login(learner)
        assert two.get(EXERCISE, headers=learner_headers).json()["pass_bar"]["at_least"] == 1.0
        current = one.get(YAML, headers=staff_headers).json()["content"]
        changed = current.replace("at_least: 1.0", "at_least: 0.5")
        assert changed != current
        saved = one.put(YAML, json={"content": changed}, headers=staff_headers)
        assert saved.status_code == 200, saved.text
        assert two.get(EXERCISE, headers=learner_headers).json()["pass_bar"]["at_least"] == 0.5
        accepted = two.post(f"{EXERCISE}/submissions", json={"code": "x"}, headers=learner_headers)
        assert accepted.status_code == 202, accepted.text
        with two.app.state.sessionmaker() as db:
            row = db.get(Submission, accepted.json()["id"])
            assert row is not None and row.exercise_spec is not None
            assert row.exercise_spec["pass"] == {"metric": "accuracy", "at_least": 0.5}


def test_a_worker_grades_with_the_exercise_the_submission_was_made_against(
    settings: Settings, app, make_user
) -> None:
    factory = app.state.sessionmaker
    made_against = find_exercise(settings.courses_dir, "example/add").gradable()
    with factory() as db:
        submission, _ = service.create(
            db=db,
            user=make_user(),
            kind=Kind.submission,
            course="example",
            exercise="add",
            exercise_spec=made_against.spec(),
            code="x",
        )
    yaml = settings.courses_dir / "example" / "exercises" / "add" / "exercise.yaml"
    yaml.write_text(yaml.read_text().replace("at_least: 1.0", "at_least: 0.25"))
    sink = SubmissionSink(factory=factory, courses_dir=settings.courses_dir)
    with factory() as db:
        claim = jobs.claim_next(db=db, worker="test", commit=False)
        assert claim is not None and claim.submission_id == submission.id
        started = sink.start(db=db, claim=claim)
    assert started is not None and started.exercise is not None
    assert started.exercise == made_against  # the bar of 1.0, not today's 0.25
