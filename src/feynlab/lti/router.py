"""Routes of LTI: the tool's keys and configuration, platform registration (admins), OIDC login,
launch, deep linking, roster sync. Public routes are public on purpose: the LMS's browser
redirects carry no Feynlab login; what they carry is checked in ``launch.validate``."""

from __future__ import annotations

import html
import time
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl

import httpx
from fastapi import APIRouter, Depends, FastAPI, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from joserfc import jwt
from joserfc.errors import JoseError
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from feynlab.accounts import service as accounts
from feynlab.accounts.models import Role, User
from feynlab.accounts.schemas import Message
from feynlab.classes import service as classes
from feynlab.courses import service as courses
from feynlab.courses.registry import CourseRegistryDep
from feynlab.deps import CSRF_COOKIE, SESSION_COOKIE, CurrentUser, DbSession, RowId, SettingsDep
from feynlab.errors import Forbidden, Invalid, NotFound
from feynlab.lti import launch as lti_launch
from feynlab.lti import passback, services
from feynlab.lti.keys import PlatformKeys, tool_jwks, tool_key
from feynlab.lti.models import LtiContext, LtiPlatform
from feynlab.lti.schemas import PlatformCreate, PlatformRead, RosterSynced, ToolConfig
from feynlab.settings import Settings

public = APIRouter(prefix="/lti", tags=["lti"])
private = APIRouter(prefix="/lti", tags=["lti"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Message},
    403: {"model": Message},
    404: {"model": Message},
}
TICKET_S = 1800


async def _admin(user: CurrentUser) -> User:
    """Checked before the body is read, so that a non-admin learns nothing from a 422."""
    if user.role != Role.admin.value:
        raise Forbidden("Only admins may register an LMS.")
    return user


Admin = Annotated[User, Depends(_admin)]


def _urls(settings: Settings) -> dict[str, str]:
    base = settings.public_url.rstrip("/")
    return {
        "login_url": f"{base}/api/lti/login",
        "launch_url": f"{base}/api/lti/launch",
        "deep_link_url": f"{base}/api/lti/launch",
        "jwks_url": f"{base}/api/lti/jwks",
    }


async def _form(request: Request) -> dict[str, str]:
    if request.method == "GET":
        return dict(request.query_params)
    body = (await request.body())[:200_000].decode("utf-8", "replace")
    return dict(parse_qsl(body))


@public.get("/jwks")
def jwks(db: DbSession) -> dict[str, Any]:
    """The tool's public keys (the LMS checks our deep-linking answers and token requests)."""
    return tool_jwks(db=db)


@private.get("/config", responses=ERRORS)
def tool_config(user: Admin, settings: SettingsDep) -> ToolConfig:
    """What an admin enters in the LMS to register Feynlab."""
    return ToolConfig(**_urls(settings), scopes=services.SCOPES)


@private.get("/platforms", responses=ERRORS)
def list_platforms(user: Admin, db: DbSession) -> list[PlatformRead]:
    found = db.scalars(select(LtiPlatform).order_by(LtiPlatform.id))
    return [PlatformRead.model_validate(p) for p in found]


@private.post("/platforms", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def register_platform(body: PlatformCreate, user: Admin, db: DbSession) -> PlatformRead:
    """Register an LMS: its issuer, Feynlab's client id there, its endpoints, deployments."""
    found = LtiPlatform(**body.model_dump(mode="json"))
    db.add(found)
    db.commit()
    return PlatformRead.model_validate(found)


@private.delete(
    "/platforms/{platform_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS
)
def remove_platform(platform_id: RowId, user: Admin, db: DbSession) -> Response:
    found = db.get(LtiPlatform, platform_id)
    if found is None:
        raise NotFound(f"There is no LMS registration {platform_id}.")
    db.delete(found)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@public.get("/login", response_class=RedirectResponse)
async def oidc_login(request: Request, db: DbSession, settings: SettingsDep) -> RedirectResponse:
    """OIDC login initiation, called by the LMS: sends the browser back with state and nonce."""
    return await _login(request, db, settings)


@public.post("/login", response_class=RedirectResponse)
async def oidc_login_post(
    request: Request, db: DbSession, settings: SettingsDep
) -> RedirectResponse:
    """The same, for LMSs that post the login initiation."""
    return await _login(request, db, settings)


async def _login(request: Request, db: DbSession, settings: Settings) -> RedirectResponse:
    params = await _form(request)
    url = await run_in_threadpool(
        lti_launch.login_redirect, db=db, params=params, launch_url=_urls(settings)["launch_url"]
    )
    return RedirectResponse(url, status_code=status.HTTP_302_FOUND)


def _keys(request: Request) -> PlatformKeys:
    keys: PlatformKeys = request.app.state.lti_keys
    return keys


@public.post("/launch", response_class=HTMLResponse, responses=ERRORS)
async def launch(
    request: Request, db: DbSession, settings: SettingsDep, registry: CourseRegistryDep
) -> Response:
    """The LMS posts the id_token here: an exercise opens, or a teacher picks one to place."""
    form = await _form(request)
    if not form.get("id_token") or not form.get("state"):
        raise Invalid("An LTI launch needs id_token and state.")
    # The database and the JWKS fetch block: off the event loop.
    return await run_in_threadpool(_launch, request, form, db, settings, registry)


def _launch(
    request: Request, form: dict[str, str], db: DbSession, settings: Settings, registry: Any
) -> Response:
    checked = lti_launch.validate(
        db=db, keys=_keys(request), id_token=form["id_token"], state=form["state"]
    )
    if checked.message_type == "LtiDeepLinkingRequest":
        if not services.is_staff_launch(checked):
            raise Forbidden("Only teachers may place Feynlab activities in the LMS course.")
        db.commit()
        return _picker(db=db, checked=checked, registry=registry)
    if checked.message_type != "LtiResourceLinkRequest":
        raise Invalid(f"Feynlab does not handle LTI messages of type {checked.message_type!r}.")
    user, page = lti_launch.resource_launch(db=db, launch=checked)
    login = accounts.start_session(db=db, settings=settings, user=user)
    response = RedirectResponse(page, status_code=status.HTTP_303_SEE_OTHER)
    secure = not settings.is_development and settings.env != "test"
    # SameSite=None: the LMS may show Feynlab in an iframe of its own site.
    same_site: Literal["none", "lax"] = "none" if secure else "lax"
    for name, value, http_only in (
        (SESSION_COOKIE, login.token, True),
        (CSRF_COOKIE, login.csrf_token, False),
    ):
        response.set_cookie(
            name,
            value,
            max_age=settings.session_days * 86400,
            httponly=http_only,
            samesite=same_site,
            secure=secure,
        )
    return response


def _picker(*, db: DbSession, checked: lti_launch.Launch, registry: Any) -> HTMLResponse:
    """A plain page listing the exercises a teacher can place (one form each)."""
    key = tool_key(db=db)
    ticket = jwt.encode(
        {"alg": "RS256", "kid": key.kid},
        {"exp": int(time.time()) + TICKET_S, "pid": checked.platform.id, "claims": checked.claims},
        key,
    )
    items = []
    for course in courses.visible_courses(registry=registry, user=None):
        for exercise in course.exercises:
            label = f"{course.title}: {exercise.title}"
            items.append(
                "<li><form method='post' action='/api/lti/deep-link'>"
                f"<input type='hidden' name='ticket' value='{html.escape(ticket)}'>"
                f"<input type='hidden' name='course' value='{html.escape(course.slug)}'>"
                f"<input type='hidden' name='exercise' value='{html.escape(exercise.slug)}'>"
                f"<button type='submit'>{html.escape(label)}</button></form></li>"
            )
    body = (
        "<!doctype html><meta charset='utf-8'><title>Place a Feynlab exercise</title>"
        "<h1>Place a Feynlab exercise in your course</h1>"
        f"<ul>{''.join(items) or '<li>No course is published yet.</li>'}</ul>"
    )
    return HTMLResponse(body)


@public.post("/deep-link", response_class=HTMLResponse, responses=ERRORS)
async def deep_link(
    request: Request, db: DbSession, settings: SettingsDep, registry: CourseRegistryDep
) -> HTMLResponse:
    """The teacher's pick goes back to the LMS as a signed deep-linking answer."""
    form = await _form(request)
    if not form.get("ticket"):
        raise Invalid("A placement needs the ticket of the page it was picked on.")
    return await run_in_threadpool(_deep_link, form, db, settings, registry)


def _deep_link(
    form: dict[str, str], db: DbSession, settings: Settings, registry: Any
) -> HTMLResponse:
    try:
        token = jwt.decode(form["ticket"], tool_key(db=db), algorithms=["RS256"])
        jwt.JWTClaimsRegistry(exp={"essential": True}).validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise Forbidden("This page expired: open the placement again from your LMS.") from exc
    platform = db.get(LtiPlatform, token.claims["pid"])
    if platform is None:
        raise NotFound("This LMS is no longer registered.")
    course, exercise = form.get("course", ""), form.get("exercise", "")
    found = courses.get_exercise(registry=registry, user=None, course=course, exercise=exercise)
    checked = lti_launch.Launch(platform=platform, claims=token.claims["claims"])
    url, answer = services.deep_link_answer(
        db=db,
        launch=checked,
        launch_url=_urls(settings)["launch_url"],
        course=course,
        exercise=exercise,
        title=found.title,
    )
    return HTMLResponse(
        "<!doctype html><meta charset='utf-8'><title>Placing...</title>"
        f"<form id='f' method='post' action='{html.escape(url)}'>"
        f"<input type='hidden' name='JWT' value='{html.escape(answer)}'>"
        "<button type='submit'>Continue to your LMS</button></form>"
        "<script>document.getElementById('f').submit()</script>"
    )


@private.post("/classes/{class_id}/roster", responses=ERRORS)
def sync_roster(
    class_id: RowId, request: Request, user: CurrentUser, db: DbSession
) -> RosterSynced:
    """Fill the class from its LMS course's roster (Names and Role Provisioning)."""
    classes.get_class(db=db, class_id=class_id, user=user, roles={"instructor"})
    context = db.scalar(select(LtiContext).where(LtiContext.class_id == class_id))
    if context is None or not context.memberships_url:
        raise NotFound("This class was not launched from an LMS that shares its roster.")
    sender: passback.ScoreSender = request.app.state.lti_sender
    try:
        seen, added = services.sync_roster(db=db, tokens=sender.tokens, context=context)
    except httpx.HTTPError as exc:
        raise Invalid(
            f"The LMS did not give the roster ({type(exc).__name__}); try again."
        ) from exc
    return RosterSynced(class_id=class_id, members=seen, added=added)


def install(app: FastAPI) -> None:
    """The JWKS cache and the score sender of this process, started and stopped with the app."""
    client = httpx.Client(timeout=10.0)
    app.state.lti_keys = PlatformKeys(client)
    settings: Settings = app.state.settings
    sender = passback.ScoreSender(
        factory=app.state.sessionmaker, interval_s=settings.lti_score_interval_s, client=client
    )
    app.state.lti_sender = sender

    async def start(_: FastAPI) -> None:
        sender.start()

    async def stop(_: FastAPI) -> None:
        sender.stop()

    app.state.on_start.append(start)
    app.state.on_stop.append(stop)
