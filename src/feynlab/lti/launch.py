"""OIDC login initiation and the launch: the id_token's signature (the platform's JWKS), issuer,
audience, expiry, nonce (once only), state and deployment are checked before anything else."""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feynlab.accounts.models import Role, User
from feynlab.accounts.service import create_user, get_by_email
from feynlab.classes.models import ClassCourse, ClassMember, ClassRole, SchoolClass
from feynlab.classes.service import new_join_code
from feynlab.db import utcnow
from feynlab.errors import Forbidden, Invalid, NotFound
from feynlab.lti.keys import PlatformKeys
from feynlab.lti.models import (
    LtiAccount,
    LtiContext,
    LtiLink,
    LtiLinkUser,
    LtiLogin,
    LtiNonce,
    LtiPlatform,
)

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
LOGIN_TTL = timedelta(minutes=10)
REFUSED = "This LTI launch was refused ({}). Open the activity again from your LMS."


def platform_for(*, db: Session, issuer: str, client_id: str | None) -> LtiPlatform:
    stmt = select(LtiPlatform).where(LtiPlatform.issuer == issuer)
    if client_id:
        stmt = stmt.where(LtiPlatform.client_id == client_id)
    found = db.scalars(stmt).first()
    if found is None:
        raise NotFound("This LMS is not registered with Feynlab: ask an admin to register it.")
    return found


def login_redirect(*, db: Session, params: dict[str, str], launch_url: str) -> str:
    """Step 1 of the launch: remember a state and a nonce, send the browser to the platform."""
    issuer, hint = params.get("iss"), params.get("login_hint")
    if not issuer or not hint:
        raise Invalid("An LTI login needs the iss and login_hint parameters.")
    found = platform_for(db=db, issuer=issuer, client_id=params.get("client_id"))
    login = LtiLogin(
        state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32), platform_id=found.id
    )
    db.add(login)
    db.commit()
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": found.client_id,
        "redirect_uri": params.get("target_link_uri") or launch_url,
        "login_hint": hint,
        "state": login.state,
        "nonce": login.nonce,
    }
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    return f"{found.auth_login_url}?{urlencode(query)}"


@dataclass
class Launch:
    platform: LtiPlatform
    claims: dict[str, Any]

    @property
    def message_type(self) -> str:
        return str(self.claims.get(LTI + "message_type", ""))

    @property
    def roles(self) -> list[str]:
        return [str(r) for r in self.claims.get(LTI + "roles", [])]

    @property
    def class_role(self) -> ClassRole:
        names = {r.rsplit("#", 1)[-1] for r in self.roles if r.startswith(ROLE)}
        if "Instructor" in names or "Administrator" in names:
            return ClassRole.instructor
        if "TeachingAssistant" in names or any("TeachingAssistant" in r for r in self.roles):
            return ClassRole.ta
        return ClassRole.learner


def validate(*, db: Session, keys: PlatformKeys, id_token: str, state: str) -> Launch:
    """The checked claims of a launch; refused (403) on any doubt, and never twice."""
    login = db.scalar(select(LtiLogin).where(LtiLogin.state == state))
    now = utcnow()
    if login is None or login.used_at is not None or now - login.created_at > LOGIN_TTL:
        raise Forbidden(REFUSED.format("unknown, used or expired state"))
    platform = db.get(LtiPlatform, login.platform_id)
    assert platform is not None
    try:
        keyset = keys.get(platform.jwks_url, _kid(id_token))
        token = jwt.decode(id_token, keyset, algorithms=["RS256"])
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": platform.issuer},
            aud={"essential": True, "value": platform.client_id},
            nonce={"essential": True, "value": login.nonce},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
        ).validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise Forbidden(REFUSED.format(f"id_token: {type(exc).__name__}")) from exc
    except httpx.HTTPError as exc:
        raise Forbidden(REFUSED.format("the LMS's public keys could not be read")) from exc
    claims = dict(token.claims)
    audience = claims.get("aud")
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != platform.client_id:
        raise Forbidden(REFUSED.format("azp is not this tool"))
    if claims.get(LTI + "deployment_id") not in platform.deployment_ids:
        raise Forbidden(REFUSED.format("unknown deployment"))
    if claims.get(LTI + "version") != "1.3.0":
        raise Forbidden(REFUSED.format("not LTI 1.3"))
    login.used_at = now
    db.add(LtiNonce(platform_id=platform.id, nonce=login.nonce))
    try:
        db.flush()
    except IntegrityError as exc:
        db.rollback()
        raise Forbidden(REFUSED.format("replayed nonce")) from exc
    return Launch(platform=platform, claims=claims)


def _kid(token: str) -> str | None:
    """The key id in a JWT's header (read before the signature is checked, only to pick a key)."""
    try:
        head = token.split(".", 1)[0]
        data = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    kid = data.get("kid") if isinstance(data, dict) else None
    return kid if isinstance(kid, str) else None


def account_for(*, db: Session, launch: Launch) -> tuple[User, LtiAccount]:
    """The Feynlab account of this LMS user; an LMS never takes over an existing account."""
    sub = str(launch.claims["sub"])
    found = db.scalar(
        select(LtiAccount).where(
            LtiAccount.platform_id == launch.platform.id, LtiAccount.sub == sub
        )
    )
    if found is not None:
        user = db.get(User, found.user_id)
        assert user is not None
        return user, found
    email = str(launch.claims.get("email") or "")
    if not email or get_by_email(db=db, email=email) is not None:
        email = f"lti-{launch.platform.id}-{secrets.token_hex(6)}@lti.invalid"
    name = str(launch.claims.get("name") or launch.claims.get("given_name") or "LMS user")
    user = create_user(
        db=db, email=email, password=secrets.token_urlsafe(24), name=name[:200], role=Role.learner
    )
    account = LtiAccount(platform_id=launch.platform.id, sub=sub, user_id=user.id)
    db.add(account)
    db.flush()
    return user, account


def context_for(*, db: Session, launch: Launch, course: str) -> LtiContext:
    """The class for this LMS course (made on its first launch), with ``course`` in it."""
    context = launch.claims.get(LTI + "context") or {}
    context_id = str(context.get("id") or "no-context")
    found = db.scalar(
        select(LtiContext).where(
            LtiContext.platform_id == launch.platform.id, LtiContext.context_id == context_id
        )
    )
    if found is None:
        title = str(context.get("title") or context.get("label") or "LMS course")
        made = SchoolClass(name=title[:200], join_code=new_join_code())
        db.add(made)
        db.flush()
        found = LtiContext(platform_id=launch.platform.id, context_id=context_id, class_id=made.id)
        db.add(found)
    service = launch.claims.get(NRPS) or {}
    if service.get("context_memberships_url"):
        found.memberships_url = str(service["context_memberships_url"])
    db.flush()
    if db.get(ClassCourse, (found.class_id, course)) is None:
        db.add(ClassCourse(class_id=found.class_id, course=course))
    return found


def join_class(*, db: Session, class_id: int, user: User, role: ClassRole) -> None:
    member = db.scalar(
        select(ClassMember).where(ClassMember.class_id == class_id, ClassMember.user_id == user.id)
    )
    if member is None:
        db.add(ClassMember(class_id=class_id, user_id=user.id, role=role.value))
    else:
        member.role = role.value  # the LMS is the source of truth for its courses' roles


def resource_launch(*, db: Session, launch: Launch) -> tuple[User, str]:
    """A learner or teacher opens a placed exercise: account, class, link; returns the page."""
    custom = launch.claims.get(LTI + "custom") or {}
    course = str(custom.get("feynlab_course") or "")
    exercise = custom.get("feynlab_exercise")
    if not course:
        raise Invalid("This LMS link does not say which Feynlab course it opens: place it again.")
    user, account = account_for(db=db, launch=launch)
    context = context_for(db=db, launch=launch, course=course)
    join_class(db=db, class_id=context.class_id, user=user, role=launch.class_role)
    link_claim = launch.claims.get(LTI + "resource_link") or {}
    link_id = str(link_claim.get("id") or "")
    link = db.scalar(
        select(LtiLink).where(
            LtiLink.platform_id == launch.platform.id, LtiLink.resource_link_id == link_id
        )
    )
    if link is None:
        link = LtiLink(
            platform_id=launch.platform.id,
            resource_link_id=link_id,
            context_id=context.id,
            course=course,
            exercise=str(exercise) if exercise else None,
        )
        db.add(link)
    ags = launch.claims.get(AGS) or {}
    if ags.get("lineitem"):
        link.lineitem_url = str(ags["lineitem"])
    db.flush()
    if db.get(LtiLinkUser, (link.id, account.id)) is None:
        db.add(LtiLinkUser(link_id=link.id, account_id=account.id))
    db.commit()
    page = f"/courses/{course}/exercises/{exercise}" if exercise else f"/courses/{course}"
    return user, page
