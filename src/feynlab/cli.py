"""The `feynlab` command line: serve, users, courses, lessons, datasets, run, grade, worker."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from feynlab.settings import Settings
from feynlab.settings import get_settings as _get_settings

if TYPE_CHECKING:
    from feynlab.grading.queue.runners import Runner

app = typer.Typer(
    help="Feynlab: a learning platform for Machine Learning.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
users_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
app.add_typer(users_app, name="users")
courses_app = typer.Typer(help="Course folders.", no_args_is_help=True)
app.add_typer(courses_app, name="courses")
datasets_app = typer.Typer(help="Datasets in the data folder.", no_args_is_help=True)
app.add_typer(datasets_app, name="datasets")
lessons_app = typer.Typer(help="Lessons in and out as Jupyter notebooks.", no_args_is_help=True)
app.add_typer(lessons_app, name="lessons")


def fail(message: str, code: int = 2) -> None:
    typer.secho(f"error: {message}", fg="red", err=True)
    raise typer.Exit(code)


def get_settings() -> Settings:
    """The settings, or a clear message and exit 2 when the environment is wrong."""
    try:
        return _get_settings()
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        fail(f"bad configuration: {problems}")
        raise


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Migrate the database, index the courses and serve the platform."""
    from feynlab.sandbox import exposure

    settings = get_settings()
    if (problem := exposure.check(settings)) is not None:
        fail(problem, code=1)
    runner = None
    if settings.queue == "embedded":  # the sandbox first: its zygotes warm while the app starts
        from feynlab.grading.queue.factory import warm_in_background
        from feynlab.grading.queue.runners import build_runner
        from feynlab.sandbox.pool import SandboxUnavailable

        try:
            runner = build_runner(settings, settings.runner_factory)
        except SandboxUnavailable as exc:
            fail(str(exc), code=1)
        warm_in_background(runner)
    try:
        _serve(settings, runner, host=host, port=port)
    finally:
        if runner is not None:
            from feynlab.grading.queue.runners import close_runner

            close_runner(runner)


def _serve(settings: Settings, runner: Runner | None, *, host: str, port: int) -> None:
    import uvicorn

    from feynlab import db
    from feynlab.accounts.service import ensure_demo_users
    from feynlab.app import create_app

    db.upgrade(settings.database_url)
    if settings.demo_users:
        with db.session_factory(db.engine_for(settings.database_url))() as session:
            for role, email, password in ensure_demo_users(db=session):
                typer.echo(f"demo {role}: {email} / {password}")
    typer.echo(f"Feynlab on http://{host}:{port}  (API docs: http://{host}:{port}/api/docs)")
    web = create_app(settings, runner=runner)
    web.state.warm_sandbox = True  # a runner the app builds itself (never here) warms at start
    from feynlab.http_timeouts import uvicorn_options

    options = uvicorn_options(header_timeout_s=settings.header_timeout_s)
    uvicorn.run(web, host=host, port=port, log_level="info", **options)


@app.command()
def migrate() -> None:
    """Apply the database migrations (serve does this too)."""
    from feynlab import db

    db.upgrade(get_settings().database_url)
    typer.echo("database up to date")


@app.command()
def openapi() -> None:
    """Print the OpenAPI schema (the front end's client is generated from it)."""
    from feynlab.app import create_app

    json.dump(create_app().openapi(), sys.stdout, indent=2)
    sys.stdout.write("\n")


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="E-mail address, used to log in.")],
    role: Annotated[str, typer.Option(help="learner, instructor or admin.")] = "learner",
    name: Annotated[str, typer.Option(help="Display name (default: the e-mail).")] = "",
) -> None:
    """Create an account; the password is prompted for, or read from stdin when piped."""
    from feynlab import db
    from feynlab.accounts.models import Role
    from feynlab.accounts.service import create_user
    from feynlab.errors import AppError

    try:
        chosen = Role(role)
    except ValueError:
        fail(f"unknown role {role!r}: choose learner, instructor or admin")
    if sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    settings = get_settings()
    db.upgrade(settings.database_url)
    with db.session_factory(db.engine_for(settings.database_url))() as session:
        try:
            user = create_user(db=session, email=email, password=password, name=name, role=chosen)
            session.commit()
        except AppError as exc:
            fail(exc.message)
        typer.echo(f"created {user.role} {user.email} (id {user.id})")


@courses_app.command("check")
def courses_check(
    path: Annotated[
        Path | None,
        typer.Argument(help="A course folder or a folder of courses (default: courses_dir)."),
    ] = None,
    prove: Annotated[
        bool,
        typer.Option(
            "--prove/--no-prove",
            help="Grade every exercise in the sandbox: the reference solution must pass with "
            "twice the time to spare, the starter and every wrong solution must fail "
            "(--no-prove: check the format only).",
        ),
    ] = True,
    wrong_solutions: Annotated[
        Path | None,
        typer.Option(
            help="Folder of wrong or cheating solutions, as <course>/<exercise>/*.py "
            "(default: tests/courses_content of the repository).",
        ),
    ] = None,
) -> None:
    """Validate course folders and prove their exercises; print every problem as
    FILE:LINE: MESSAGE; exit 1 if any."""
    from feynlab.courses.check import run_check
    from feynlab.sandbox.pool import SandboxUnavailable

    target = path if path is not None else get_settings().courses_dir
    try:
        count = run_check(target, prove=prove, echo=typer.echo, wrong_dir=wrong_solutions)
    except SandboxUnavailable as exc:
        fail(f"cannot prove the exercises: {exc} (--no-prove checks the format only)", code=1)
        return
    if count:
        typer.secho(f"{count} problem(s) found", fg="red", err=True)
        raise typer.Exit(1)


@lessons_app.command("import")
def lessons_import(
    notebook: Annotated[Path, typer.Argument(help="A .ipynb notebook, or a jupytext percent .py.")],
    course: Annotated[str, typer.Option(help="The course folder's name (in courses_dir).")],
    slug: Annotated[
        str | None,
        typer.Option(help="The lesson's slug (default: the notebook's own, else its file name)."),
    ] = None,
    replace: Annotated[bool, typer.Option(help="Replace the lesson if it exists.")] = False,
) -> None:
    """Import NOTEBOOK as lessons/SLUG.md of COURSE, checked with the whole course (nothing is
    written on any problem); a new lesson is a draft until course.yaml lists it."""
    import re

    from feynlab.authoring import notebooks
    from feynlab.errors import AppError

    folder = get_settings().courses_dir / course
    if not (folder / "course.yaml").is_file():
        fail(f"there is no course folder {course!r} in {folder.parent}")
    fmt: notebooks.NotebookFormat = "py" if notebook.suffix == ".py" else "ipynb"
    try:
        text = notebook.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {notebook}: {exc}")
    try:
        parsed = notebooks.read_notebook(text, fmt)
        stem = re.sub(r"[^a-z0-9]+", "-", notebook.stem.lower()).strip("-")[:80]
        chosen = slug or notebooks.notebook_slug(parsed) or stem
        converted = notebooks.convert_notebook(parsed, slug=chosen)
        written = notebooks.import_into_folder(folder, converted, slug=chosen, replace=replace)
    except notebooks.NotebookInvalid as exc:
        for problem in exc.problems:
            typer.secho(f"{notebook}: {problem}", fg="red", err=True)
        fail(exc.message, code=1)
        return
    except AppError as exc:
        fail(exc.message, code=1)
        return
    typer.echo(
        f"wrote {written} (a draft until course.yaml lists {chosen!r}; a running server "
        "sees it after POST /api/courses/reload)"
    )


@lessons_app.command("export")
def lessons_export(
    target: Annotated[
        str, typer.Argument(help="COURSE/LESSON, e.g. supervised-1/neural-networks.")
    ],
    to: Annotated[Path, typer.Option("--to", help="The file to write: NAME.ipynb or NAME.py.")],
) -> None:
    """Write a lesson as a Jupyter notebook (.ipynb) or a runnable percent-format script (.py)."""
    from feynlab.authoring import notebooks
    from feynlab.courses.loader import load_course

    course, _, lesson = target.partition("/")
    if to.suffix not in (".ipynb", ".py"):
        fail(f"--to {to}: the file name must end in .ipynb or .py")
    folder = get_settings().courses_dir / course
    loaded = load_course(folder) if course and (folder / "course.yaml").is_file() else None
    if loaded is None:
        fail(f"there is no course folder {course!r} in {folder.parent}")
        return
    if loaded.course is None:
        fail(f"the course {course!r} has problems: {loaded.problems[0]} (feynlab courses check)")
        return
    found = loaded.course.lesson(lesson)
    if found is None:
        listed = ", ".join(item.slug for item in loaded.course.lessons)
        fail(f"the course {course!r} has no lesson {lesson!r} (its lessons: {listed})")
        return
    to.write_text(notebooks.export_lesson(found, "py" if to.suffix == ".py" else "ipynb"))
    typer.echo(f"wrote {to}")


@datasets_app.command("fetch")
def datasets_fetch() -> None:
    """Provision MNIST and Fashion-MNIST into the data folder (checksummed, idempotent)."""
    from feynlab.datasets import fetch_command

    raise typer.Exit(fetch_command(get_settings().data_dir))


@app.command()
def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="Jobs at once (default: FEYNLAB_WORKERS, one per core).")
    ] = None,
    loglevel: Annotated[str, typer.Option(help="Celery log level.")] = "INFO",
) -> None:
    """A grading worker for the Celery queue (FEYNLAB_QUEUE=celery), fed through the broker."""
    from feynlab import db
    from feynlab.grading.queue.celery_backend import EventBell, run_worker
    from feynlab.grading.queue.factory import warm_in_background
    from feynlab.grading.queue.runners import build_runner, close_runner
    from feynlab.grading.queue.worker import GradingWorker
    from feynlab.lti.passback import queue_score
    from feynlab.sandbox import exposure
    from feynlab.submissions import events
    from feynlab.submissions.sink import SubmissionSink

    settings = get_settings()
    if (problem := exposure.check(settings)) is not None:
        fail(problem, code=1)
    if concurrency is not None:
        settings = settings.model_copy(update={"workers": max(1, concurrency)})
    runner = build_runner(settings, settings.runner_factory)
    warm_in_background(runner)  # the zygotes start while the database migrates
    db.upgrade(settings.database_url)
    sessions = db.session_factory(db.engine_for(settings.database_url))
    grading = GradingWorker(
        settings=settings,
        factory=sessions,
        runner=runner,
        sink=SubmissionSink(
            factory=sessions, courses_dir=settings.courses_dir, on_stored=[queue_score]
        ),
    )
    bell = EventBell(settings)
    events.notifier.relay = bell.ring  # the web processes' streams hear of events at once
    typer.echo(f"feynlab worker {grading.identity}: {settings.workers} slot(s)")
    try:
        run_worker(settings=settings, worker=grading, loglevel=loglevel)
    finally:
        bell.close()
        close_runner(runner)


@app.command("run")
def run_command(
    file: Annotated[Path, typer.Argument(help="A Python file to run as a code cell.")],
    json_output: Annotated[
        bool, typer.Option("--json", help="One JSON object at the end.")
    ] = False,
) -> None:
    """Run FILE in the sandbox as a code cell would, streaming its output."""
    from feynlab.commands import run_file

    raise typer.Exit(run_file(file, json_output=json_output))


@app.command("grade")
def grade_command(
    target: Annotated[str, typer.Argument(help="COURSE/EXERCISE, e.g. supervised-1/softmax.")],
    file: Annotated[Path, typer.Argument(help="The solution file to grade.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
) -> None:
    """Grade FILE for COURSE/EXERCISE through the same sandbox and grader as a submission."""
    from feynlab.commands import grade_file

    raise typer.Exit(
        grade_file(target, file, json_output=json_output, courses_dir=get_settings().courses_dir)
    )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
