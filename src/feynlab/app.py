"""The FastAPI application: routers, error handling, start-up and the built front end."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from anyio import to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from feynlab import db as database
from feynlab.accounts import router as accounts_router
from feynlab.authoring import router as authoring_router
from feynlab.classes import router as classes_router
from feynlab.classes.assignments import refuse_when_closed
from feynlab.classes.privacy import router as privacy_router
from feynlab.courses import router as courses_router
from feynlab.courses.registry import index_courses_on_start
from feynlab.deps import get_current_user
from feynlab.errors import AppError
from feynlab.grading.queue.factory import install as install_queue
from feynlab.grading.queue.runners import Runner
from feynlab.lti import router as lti_router
from feynlab.lti.passback import queue_score
from feynlab.sessions import router as sessions_router
from feynlab.settings import Settings, get_settings
from feynlab.similarity import router as similarity_router
from feynlab.submissions import router as submissions_router
from feynlab.submissions import run_events
from feynlab.submissions.sink import SubmissionSink

log = logging.getLogger("feynlab")


def _error(status: int, detail: str, code: str, **extra: object) -> JSONResponse:
    return JSONResponse({"detail": detail, "code": code, **extra}, status_code=status)


def _field(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or str(loc[0] if loc else "body")


class FieldError(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    """Every error the API returns: a message for people and a code for programs."""

    detail: str
    code: str
    errors: list[FieldError] | None = None


def install_openapi(app: FastAPI) -> None:
    """Document the error shape this app really returns for 422 and every other error."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, sub in run_events.openapi_components().items():
            components.setdefault(name, sub)
        components["ErrorOut"] = ErrorOut.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        for name, sub in components["ErrorOut"].pop("$defs", {}).items():
            components[name] = sub
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        ref = {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        }
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                for status, text in ERROR_STATUSES.items():
                    responses[status] = {"description": text, **ref}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


ERROR_STATUSES = {
    "401": "Not logged in",
    "403": "Not allowed",
    "404": "Not found",
    "409": "Conflict",
    "413": "Too large",
    "422": "Invalid request",
    "429": "Too many requests",
    "500": "Platform fault",
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(_: Request, exc: AppError) -> JSONResponse:
        response = _error(exc.status_code, exc.message, exc.code)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid")}
            for e in exc.errors()
        ]
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return _error(422, f"Invalid request: {summary}", "invalid", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "Request failed."
        if exc.status_code == 404 and detail == "Not Found":
            detail = "No such page or resource."
        if exc.status_code == 405:
            detail = "This method is not allowed here."
        return _error(exc.status_code, detail, "http_error")

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return _error(500, "Something went wrong on our side. It has been logged.", "internal")


class BodyLimit:
    """Refuse request bodies over the limit with a 413 before they are read whole: a 300 MB
    login body took the server from 119 MB to 987 MB before a 422. The declared length is
    checked first; a body sent without one (chunked) is counted as it arrives."""

    def __init__(self, app: ASGIApp, *, default_bytes: int, authoring_bytes: int) -> None:
        self.app = app
        self.default_bytes = default_bytes
        self.authoring_bytes = authoring_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        limit = self.authoring_bytes if path.startswith("/api/authoring/") else self.default_bytes
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(send, limit)
            return
        seen = 0
        refused = False

        async def counted() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # answer now; the route sees the client leave and stops
                    refused = True
                    await self._refuse(send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def watched(message: Message) -> None:
            if not refused:  # once refused, the route's own answer goes nowhere
                await send(message)

        try:
            await self.app(scope, counted, watched)
        except Exception:
            if not refused:
                raise

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        response = _error(
            413, f"The request is too large: the limit is {limit // 1024} KB.", "too_large"
        )
        response.headers["Connection"] = "close"
        await response({"type": "http"}, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


def include_api(app: FastAPI) -> None:
    """Every API route under /api; authentication is required except on public routes.

    Each router is included into the app itself, not into an /api router that is included in
    turn: FastAPI matches a request by walking the tree of included routers, and each level
    of nesting made every request walk the routes again (two levels cost about 0.4 ms of CPU
    a request, a third of a small request's cost). The routers of the live grading path come
    first, as they take most requests.
    """
    login = [Depends(get_current_user)]
    for router, dependencies in (
        (submissions_router.router, login),
        (accounts_router.public, []),
        (accounts_router.private, []),
        (courses_router.public, []),
        (authoring_router.public, []),  # lessons exported as notebooks
        (courses_router.private, login),
        (courses_router.progress_routes, login),
        (authoring_router.private, login),
        (submissions_router.instructor, login),
        (classes_router.router, login),
        (privacy_router, login),
        (similarity_router.router, login),
        (lti_router.public, []),
        (lti_router.private, login),
        (sessions_router.router, login),
    ):
        app.include_router(router, prefix="/api", dependencies=dependencies)


def mount_frontend(app: FastAPI, dist: Path) -> None:
    """Serve the built single-page app; unknown non-API paths get index.html."""

    @app.get("/{path:path}", include_in_schema=False, response_model=None)
    async def spa(path: str) -> FileResponse | JSONResponse:
        if path.startswith("api/") or path == "api":
            return _error(404, "No such API route.", "not_found")
        if not (dist / "index.html").exists():
            return _error(
                404,
                "The front end is not built. Run `make run` (or `cd frontend && npm ci && "
                "npm run build`).",
                "not_built",
            )
        target = (dist / path).resolve()
        if path and target.is_file() and target.is_relative_to(dist.resolve()):
            return FileResponse(target)
        return FileResponse(dist / "index.html")


async def listen_to_workers(app: FastAPI) -> None:
    """Celery: the workers ring when they store a submission's events (``EventBell``); its
    streams in this process then read them at once instead of at their next poll."""
    if app.state.settings.queue != "celery" or getattr(app.state, "event_listener", None):
        return
    from feynlab.grading.queue.celery_backend import EventListener
    from feynlab.submissions import events

    listener = EventListener(
        app.state.settings, on_ring=lambda sid: events.notifier.notify(sid, None, relay=False)
    )
    listener.start()
    app.state.event_listener = listener


async def stop_listening(app: FastAPI) -> None:
    listener = getattr(app.state, "event_listener", None)
    if listener is not None:
        app.state.event_listener = None
        await to_thread.run_sync(listener.stop)


def create_app(settings: Settings | None = None, *, runner: Runner | None = None) -> FastAPI:
    """The web app; ``runner`` shares a runner the caller owns (tests), else the embedded queue
    builds its own from ``settings.runner_factory``."""
    settings = settings or get_settings()
    engine = database.engine_for(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for hook in app.state.on_start:
            await hook(app)
        yield
        for hook in reversed(app.state.on_stop):
            await hook(app)

    app = FastAPI(
        title="Feynlab",
        version="0.1.0",
        description="A learning platform for Machine Learning with server-graded code exercises.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = database.session_factory(engine)
    app.state.outcome_sink = SubmissionSink(
        factory=app.state.sessionmaker,
        courses_dir=settings.courses_dir,
        on_stored=[queue_score],  # LTI grade passback: an outbox row per counted verdict
    )
    app.state.runner = runner
    # Checks a submission must pass before it is stored, from features above submissions.
    app.state.submission_gates = [refuse_when_closed]
    app.state.on_start = [index_courses_on_start, listen_to_workers]
    app.state.on_stop = [stop_listening]
    install_queue(app)
    sessions_router.install(app)  # after the queue: sessions end before its sandbox closes
    lti_router.install(app)
    install_error_handlers(app)
    install_openapi(app)

    @app.get("/api/health", tags=["meta"])
    def health() -> dict[str, str]:
        """Liveness probe."""
        return {"status": "ok"}

    include_api(app)
    mount_frontend(app, settings.frontend_dir)
    app.add_middleware(
        BodyLimit,
        default_bytes=settings.max_body_kb * 1024,
        authoring_bytes=settings.max_authoring_body_kb * 1024,
    )
    return app
