"""Routes of submissions and runs: submit, read, history, live events, regrade, gradebook."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, status
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse

from feynlab.accounts.schemas import Message
from feynlab.courses import service as courses
from feynlab.courses.registry import CourseRegistryDep
from feynlab.deps import CurrentUser, DbSession, Instructor, RowId, SettingsDep
from feynlab.errors import Conflict, TooMany
from feynlab.grading.queue import GradingQueue
from feynlab.grading.verdicts import Verdict
from feynlab.sandbox.limits import RunLimits
from feynlab.submissions import gradebook, service
from feynlab.submissions.models import Kind, Submission
from feynlab.submissions.schemas import (
    Accepted,
    GradebookRow,
    LearnerPage,
    LearnerRef,
    RegradeOut,
    RunCreate,
    RunRead,
    SubmissionCreate,
    SubmissionRead,
    SubmissionSummary,
)
from feynlab.submissions.stream import Hub, parse_last_event_id

router = APIRouter(tags=["submissions"])
instructor = APIRouter(prefix="/instructor", tags=["instructor"])

Responses = dict[int | str, dict[str, Any]]
ERRORS: Responses = {401: {"model": Message}, 404: {"model": Message}}
LIMITED: Responses = {**ERRORS, 413: {"model": Message}, 429: {"model": Message}}
STAFF: Responses = {**ERRORS, 403: {"model": Message}}
SSE_DOC: Responses = {
    200: {
        "description": "Server-Sent Events; each `data` is a JSON event with a `type` (queued, "
        "started, stdout, stderr, figure, progress, output-limit, verdict). Stored events carry "
        "their sequence number as the SSE id: reconnect with Last-Event-ID to resume.",
        "content": {"text/event-stream": {"schema": {"$ref": "#/components/schemas/RunEvent"}}},
    },
    **ERRORS,
}


def _queue(request: Request) -> GradingQueue:
    queue: GradingQueue = request.app.state.queue
    return queue


def _read(db: DbSession, submission: Submission, *, staff: bool) -> SubmissionRead:
    """A submission as the caller may see it: staff details of its verdict for staff only."""
    verdict = service.stored_outcome(submission)
    if isinstance(verdict, Verdict) and not staff:
        verdict = verdict.for_learner()
    return SubmissionRead.model_validate(
        {
            **SubmissionSummary.model_validate(submission).model_dump(),
            "code": submission.code,
            "verdict": verdict,
            "position": service.queue_position(db=db, submission=submission),
        }
    )


def _run_read(db: DbSession, run: Submission) -> RunRead:
    return RunRead.model_validate(
        {
            **{name: getattr(run, name) for name in RunRead.model_fields if hasattr(run, name)},
            "result": service.stored_outcome(run),
            "position": service.queue_position(db=db, submission=run),
        }
    )


def _hub(request: Request) -> Hub:
    """The process's event hub, made on first use (it needs the queue settings)."""
    state = request.app.state
    hub: Hub | None = getattr(state, "event_hub", None)
    if hub is None:
        qs = state.settings
        # Embedded: events come from this process at once; the poll only refreshes places in
        # the queue. Celery: workers write the events, the hub reads them every poll.
        poll = qs.event_poll_s if state.settings.queue == "celery" else max(qs.event_poll_s, 0.5)
        hub = state.event_hub = Hub(factory=state.sessionmaker, poll_s=poll)
    return hub


def _events(
    request: Request, submission_id: int, last_event_id: str | None, user_id: int
) -> EventSourceResponse:
    after = parse_last_event_id(last_event_id or request.query_params.get("last_event_id"))
    hub = _hub(request)
    cap = request.app.state.settings.streams_per_user
    if not hub.streams.reserve(user_id, cap):  # one learner once held 400 streams open
        raise TooMany(
            f"You have {cap} live result streams open (one per open tab of a result); close "
            "some tabs and reload this page.",
            headers={"Retry-After": "5"},
        )
    return EventSourceResponse(
        hub.stream(submission_id=submission_id, after=after, user_id=user_id), ping=15
    )


@router.post(
    "/courses/{course}/exercises/{exercise}/submissions",
    status_code=status.HTTP_202_ACCEPTED,
    responses=LIMITED,
)
def submit(
    course: str,
    exercise: str,
    body: SubmissionCreate,
    request: Request,
    user: CurrentUser,
    db: DbSession,
    settings: SettingsDep,
    registry: CourseRegistryDep,
) -> Accepted:
    """Send code for grading; returns at once. Follow `events_url` for live progress."""
    found = courses.get_exercise(registry=registry, user=user, course=course, exercise=exercise)
    for gate in request.app.state.submission_gates:  # e.g. a class's closed assignment
        gate(db=db, user=user, course=course, exercise=exercise)
    service.check_code(code=body.code, max_bytes=found.max_code_kb * 1024)
    service.check_rate(  # takes the learner's lock, held until create() commits
        db=db,
        user=user,
        kind=Kind.submission,
        per_minute=settings.submissions_per_minute,
        max_active=settings.max_running_per_learner,
    )
    if found.daily_submissions is not None:
        service.check_daily(
            db=db, user=user, course=course, exercise=exercise, per_day=found.daily_submissions
        )
    submission, job = service.create(
        db=db,
        user=user,
        kind=Kind.submission,
        course=course,
        exercise=exercise,
        exercise_spec=found.gradable().spec(),
        code=body.code,
    )
    _queue(request).enqueue(job.id)
    return Accepted(
        id=submission.id, state="queued", events_url=f"/api/submissions/{submission.id}/events"
    )


@router.post(
    "/courses/{course}/exercises/{exercise}/checks",
    status_code=status.HTTP_202_ACCEPTED,
    responses={**LIMITED, 409: {"model": Message}},
)
def run_public_checks(
    course: str,
    exercise: str,
    body: SubmissionCreate,
    request: Request,
    user: CurrentUser,
    db: DbSession,
    settings: SettingsDep,
    registry: CourseRegistryDep,
) -> Accepted:
    """Try code on the exercise's public checks (public.py) in the sandbox: not graded, not
    counted, no hidden data. Its stream ends with a Verdict whose `artifacts.public_checks`
    lists each check (name, input, expected, got, passed)."""
    found = courses.get_exercise(registry=registry, user=user, course=course, exercise=exercise)
    if not found.has_public_checks:
        raise Conflict("This exercise has no public checks yet; submit to have it graded.")
    service.check_code(code=body.code, max_bytes=found.max_code_kb * 1024)
    service.check_rate(
        db=db,
        user=user,
        kind=Kind.check,
        per_minute=settings.runs_per_minute,
        max_active=settings.max_running_per_learner,
    )
    check, job = service.create(
        db=db,
        user=user,
        kind=Kind.check,
        course=course,
        exercise=exercise,
        exercise_spec=found.gradable().public_checks().spec(),
        code=body.code,
    )
    _queue(request).enqueue(job.id)
    return Accepted(id=check.id, state="queued", events_url=f"/api/submissions/{check.id}/events")


class ExerciseLimits(BaseModel):
    """The limits one grading of the exercise runs under (its own, else the platform's)."""

    wall_s: float = Field(description="Wall-clock time of a whole grading, seconds.")
    cpu_s: float = Field(description="CPU time, seconds.")
    memory_mb: int = Field(description="Memory, MiB.")
    output_kb: int = Field(description="Printed output kept, KiB.")


class ExerciseBudget(BaseModel):
    """What the caller may still send to an exercise."""

    limits: ExerciseLimits | None = Field(None, description="What a grading may use.")
    max_code_kb: int = Field(description="Largest submission accepted, KiB.")
    daily_submissions: int | None = Field(description="Submissions allowed per UTC day, if capped.")
    left_today: int | None = Field(description="Submissions left today (null: no daily cap).")
    resets_at: datetime | None = Field(description="When today's budget renews (midnight UTC).")


@router.get("/courses/{course}/exercises/{exercise}/budget", responses=ERRORS)
def my_budget(
    course: str,
    exercise: str,
    user: CurrentUser,
    db: DbSession,
    registry: CourseRegistryDep,
    settings: SettingsDep,
) -> ExerciseBudget:
    """The size limit of an exercise and, where it has a daily budget, what is left today."""
    found = courses.get_exercise(registry=registry, user=user, course=course, exercise=exercise)
    run = RunLimits.defaults(settings).with_overrides(found.limits.model_dump(exclude_none=True))
    limits = ExerciseLimits(
        wall_s=run.wall_s, cpu_s=run.cpu_s, memory_mb=run.memory_mb, output_kb=run.output_kb
    )
    per_day = found.daily_submissions
    if per_day is None:
        return ExerciseBudget(
            limits=limits,
            max_code_kb=found.max_code_kb,
            daily_submissions=None,
            left_today=None,
            resets_at=None,
        )
    used = service.submitted_today(db=db, user=user, course=course, exercise=exercise)
    return ExerciseBudget(
        limits=limits,
        max_code_kb=found.max_code_kb,
        daily_submissions=per_day,
        left_today=max(0, per_day - used),
        resets_at=service.start_of_day() + timedelta(days=1),
    )


@router.get("/courses/{course}/exercises/{exercise}/submissions", responses=ERRORS)
def my_history(
    course: str, exercise: str, user: CurrentUser, db: DbSession
) -> list[SubmissionSummary]:
    """The caller's submissions to this exercise, newest first."""
    found = service.history(db=db, user_id=user.id, course=course, exercise=exercise)
    return [SubmissionSummary.model_validate(s) for s in found]


@router.get("/submissions/{submission_id}", responses=ERRORS)
def read_submission(submission_id: RowId, user: CurrentUser, db: DbSession) -> SubmissionRead:
    """A submission with its state and verdict (its owner, or an instructor)."""
    found = service.get(db=db, user=user, submission_id=submission_id, kind=Kind.submission)
    return _read(db, found, staff=user.is_staff)


@router.get("/submissions/{submission_id}/events", response_class=Response, responses=SSE_DOC)
def submission_events(
    submission_id: RowId,
    request: Request,
    user: CurrentUser,
    db: DbSession,
    last_event_id: Annotated[str | None, Header()] = None,
) -> EventSourceResponse:
    """Live events of a submission; a finished one replays its events, then the stream ends."""
    service.get(db=db, user=user, submission_id=submission_id, kind=Kind.submission)
    db.close()  # give the connection back: a stream may stay open for minutes
    return _events(request, submission_id, last_event_id, user.id)


@router.post("/runs", status_code=status.HTTP_202_ACCEPTED, responses=LIMITED)
def start_run(
    body: RunCreate,
    request: Request,
    user: CurrentUser,
    db: DbSession,
    settings: SettingsDep,
    registry: CourseRegistryDep,
) -> Accepted:
    """Run a lesson's code cell through the grading queue (not graded)."""
    courses.get_lesson(registry=registry, user=user, course=body.course, lesson=body.lesson)
    service.check_code(code=body.code, max_bytes=settings.max_code_bytes)
    service.check_rate(
        db=db,
        user=user,
        kind=Kind.run,
        per_minute=settings.runs_per_minute,
        max_active=settings.max_running_per_learner,
    )
    run, job = service.create(
        db=db, user=user, kind=Kind.run, course=body.course, lesson=body.lesson, code=body.code
    )
    _queue(request).enqueue(job.id)
    return Accepted(id=run.id, state="queued", events_url=f"/api/runs/{run.id}/events")


@router.get("/runs/{run_id}", responses=ERRORS)
def read_run(run_id: RowId, user: CurrentUser, db: DbSession) -> RunRead:
    """A code-cell run with its state and result."""
    return _run_read(db, service.get(db=db, user=user, submission_id=run_id, kind=Kind.run))


@router.get("/runs/{run_id}/events", response_class=Response, responses=SSE_DOC)
def run_events(
    run_id: RowId,
    request: Request,
    user: CurrentUser,
    db: DbSession,
    last_event_id: Annotated[str | None, Header()] = None,
) -> EventSourceResponse:
    """Live events of a run (the same stream as a submission's, ending with its result)."""
    service.get(db=db, user=user, submission_id=run_id, kind=Kind.run)
    db.close()  # give the connection back: a stream may stay open for minutes
    return _events(request, run_id, last_event_id, user.id)


@router.post("/submissions/{submission_id}/regrade", responses=STAFF)
def regrade_one(
    submission_id: RowId, request: Request, user: Instructor, db: DbSession
) -> RegradeOut:
    """Grade a submission again (after fixing a grader); its verdict is replaced."""
    found = service.get(db=db, user=user, submission_id=submission_id, kind=Kind.submission)
    queued = service.regrade(db=db, submissions=[found], priority=service.LEARNER_PRIORITY)
    for job in queued:
        _queue(request).enqueue(job.id)
    return RegradeOut(regraded=len(queued), ids=[found.id])


@router.post("/courses/{course}/exercises/{exercise}/regrade", responses=STAFF)
def regrade_exercise(
    course: str,
    exercise: str,
    request: Request,
    user: Instructor,
    db: DbSession,
    registry: CourseRegistryDep,
) -> RegradeOut:
    """Grade every submission of an exercise again, behind learners' new submissions."""
    courses.get_exercise(registry=registry, user=user, course=course, exercise=exercise)
    found = service.of_exercise(db=db, course=course, exercise=exercise)
    queued = service.regrade(db=db, submissions=found, priority=service.BULK_PRIORITY)
    for job in queued:
        _queue(request).enqueue(job.id)
    return RegradeOut(regraded=len(queued), ids=[s.id for s in found])


@instructor.get("/gradebook", responses=STAFF)
def read_gradebook(
    user: Instructor, db: DbSession, course: Annotated[str | None, Query()] = None
) -> list[GradebookRow]:
    """Every learner by exercise: status, best score, attempts, last activity."""
    return gradebook.rows(db=db, course=course)


@instructor.get(
    "/gradebook.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        **ERRORS,
        403: {"model": Message},
    },
)
def gradebook_csv(
    user: Instructor, db: DbSession, course: Annotated[str | None, Query()] = None
) -> Response:
    """The gradebook as CSV, for a spreadsheet."""
    return Response(
        gradebook.to_csv(gradebook.rows(db=db, course=course)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="feynlab-gradebook.csv"'},
    )


@instructor.get("/learners/{learner_id}", responses=STAFF)
def learner_page(learner_id: RowId, user: Instructor, db: DbSession) -> LearnerPage:
    """One learner: their gradebook rows and every submission with its code."""
    found = gradebook.learner(db=db, user_id=learner_id)
    submissions = service.of_learner(db=db, user_id=learner_id)
    return LearnerPage(
        learner=LearnerRef.model_validate(found),
        rows=gradebook.rows(db=db, user_id=learner_id),
        submissions=[_read(db, s, staff=True) for s in submissions],
    )
