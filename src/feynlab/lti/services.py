"""Calls from the tool to the platform: an OAuth 2 token by a signed client assertion, scores
to a line item (AGS), the roster of a context (NRPS); and the signed deep-linking answer."""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any

import httpx
from joserfc import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from feynlab.accounts.models import Role
from feynlab.accounts.service import create_user
from feynlab.classes.models import ClassRole
from feynlab.lti.keys import tool_key
from feynlab.lti.launch import DL, LTI, ROLE, Launch, join_class
from feynlab.lti.models import LtiAccount, LtiContext, LtiPlatform

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCOPES = [SCORE_SCOPE, LINEITEM_SCOPE, NRPS_SCOPE]


def sign(*, db: Session, claims: dict[str, Any]) -> str:
    key = tool_key(db=db)
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)


class Tokens:
    """Service tokens per platform and scope, reused until shortly before they expire."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self._cache: dict[tuple[int, str], tuple[float, str]] = {}
        self._lock = threading.Lock()

    def get(self, *, db: Session, platform: LtiPlatform, scope: str) -> str:
        key = (platform.id, scope)
        with self._lock:
            cached = self._cache.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        now = int(time.time())
        assertion = sign(
            db=db,
            claims={
                "iss": platform.client_id,
                "sub": platform.client_id,
                "aud": platform.auth_token_url,
                "iat": now,
                "exp": now + 300,
                "jti": secrets.token_urlsafe(16),
            },
        )
        response = self.client.post(
            platform.auth_token_url,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion,
                "scope": scope,
            },
        )
        response.raise_for_status()
        body = response.json()
        token = str(body["access_token"])
        lifetime = float(body.get("expires_in", 3600))
        with self._lock:
            self._cache[key] = (time.monotonic() + max(0.0, lifetime - 60), token)
        return token


def post_score(
    *, db: Session, tokens: Tokens, platform: LtiPlatform, lineitem: str, body: dict[str, Any]
) -> None:
    token = tokens.get(db=db, platform=platform, scope=SCORE_SCOPE)
    base, _, query = lineitem.partition("?")
    url = f"{base.rstrip('/')}/scores" + (f"?{query}" if query else "")
    response = tokens.client.post(
        url,
        json=body,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/vnd.ims.lis.v1.score+json",
        },
    )
    response.raise_for_status()


def sync_roster(*, db: Session, tokens: Tokens, context: LtiContext) -> tuple[int, int]:
    """Read the context's members from the LMS into its class; (members read, accounts added)."""
    platform = db.get(LtiPlatform, context.platform_id)
    assert platform is not None and context.memberships_url
    token = tokens.get(db=db, platform=platform, scope=NRPS_SCOPE)
    url: str | None = context.memberships_url
    seen = added = 0
    while url:
        response = tokens.client.get(
            url,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
            },
        )
        response.raise_for_status()
        for member in response.json().get("members", []):
            if member.get("status", "Active") != "Active":
                continue
            seen += 1
            sub = str(member["user_id"])
            account = db.scalar(
                select(LtiAccount).where(
                    LtiAccount.platform_id == platform.id, LtiAccount.sub == sub
                )
            )
            if account is None:
                user = create_user(
                    db=db,
                    email=f"lti-{platform.id}-{secrets.token_hex(6)}@lti.invalid",
                    password=secrets.token_urlsafe(24),
                    name=str(member.get("name") or "LMS user")[:200],
                    role=Role.learner,
                )
                account = LtiAccount(platform_id=platform.id, sub=sub, user_id=user.id)
                db.add(account)
                db.flush()
                added += 1
            from feynlab.accounts.models import User

            person = db.get(User, account.user_id)
            assert person is not None
            launch = Launch(platform=platform, claims={LTI + "roles": member.get("roles", [])})
            join_class(db=db, class_id=context.class_id, user=person, role=launch.class_role)
        url = _next_link(response.headers.get("link", ""))
    db.commit()
    return seen, added


def _next_link(header: str) -> str | None:
    for part in header.split(","):
        if 'rel="next"' in part:
            return part.split(";", 1)[0].strip().strip("<>")
    return None


def deep_link_answer(
    *, db: Session, launch: Launch, launch_url: str, course: str, exercise: str, title: str
) -> tuple[str, str]:
    """The signed answer placing one exercise in the LMS course; (return URL, JWT)."""
    settings = launch.claims.get(DL + "deep_linking_settings") or {}
    now = int(time.time())
    item = {
        "type": "ltiResourceLink",
        "title": title,
        "url": launch_url,
        "custom": {"feynlab_course": course, "feynlab_exercise": exercise},
        "lineItem": {"scoreMaximum": 100, "label": title, "resourceId": f"{course}/{exercise}"},
    }
    claims: dict[str, Any] = {
        "iss": launch.platform.client_id,
        "aud": launch.platform.issuer,
        "iat": now,
        "exp": now + 600,
        "nonce": secrets.token_urlsafe(16),
        LTI + "message_type": "LtiDeepLinkingResponse",
        LTI + "version": "1.3.0",
        LTI + "deployment_id": launch.claims.get(LTI + "deployment_id"),
        DL + "content_items": [item],
    }
    if settings.get("data"):
        claims[DL + "data"] = settings["data"]
    return str(settings.get("deep_link_return_url", "")), sign(db=db, claims=claims)


def is_staff_launch(launch: Launch) -> bool:
    return launch.class_role in (ClassRole.instructor, ClassRole.ta) or any(
        r.startswith(ROLE) and r.endswith("#Administrator") for r in launch.roles
    )
