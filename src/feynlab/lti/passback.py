"""Grade passback through an outbox: a score row is written in the verdict's own transaction
(``queue_score``), and a loop sends due rows to the LMS, retrying with backoff until it answers.
A row is leased before it is sent and marked sent in the same step, so one verdict is sent once
(AGS scores carry the verdict's time stamp, so even a resend after a crash changes nothing)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from feynlab.db import utcnow
from feynlab.lti import services
from feynlab.lti.models import LtiAccount, LtiLink, LtiLinkUser, LtiPlatform, LtiScore
from feynlab.submissions.models import Kind, Submission

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
MAX_BACKOFF_S = 300.0


def queue_score(*, db: Session, submission_id: int) -> int:
    """Outbox rows for a stored verdict, one per LMS link its learner launched (no commit)."""
    # Read on Core: the verdict was stored by a Core UPDATE in this transaction, which an ORM
    # object already in the session would not show.
    row = db.execute(
        select(
            Submission.id,
            Submission.kind,
            Submission.user_id,
            Submission.course,
            Submission.exercise,
            Submission.round,
            Submission.score,
        ).where(Submission.id == submission_id)
    ).first()
    if row is None or row.kind != Kind.submission.value or not row.exercise:
        return 0
    targets = db.execute(
        select(LtiLink.id, LtiAccount.sub)
        .join(LtiLinkUser, LtiLinkUser.link_id == LtiLink.id)
        .join(LtiAccount, LtiAccount.id == LtiLinkUser.account_id)
        .where(
            LtiAccount.user_id == row.user_id,
            LtiLink.course == row.course,
            LtiLink.exercise == row.exercise,
            LtiLink.lineitem_url.is_not(None),
        )
    ).all()
    if not targets:
        return 0
    # The learner's best counted score so far: a worse attempt never lowers the LMS grade.
    best = db.scalar(
        select(func.max(Submission.score)).where(
            Submission.user_id == row.user_id,
            Submission.course == row.course,
            Submission.exercise == row.exercise,
            Submission.kind == Kind.submission.value,
            Submission.status.is_not(None),
            Submission.status != "infra-error",
        )
    )
    score = max(float(best or 0.0), float(row.score or 0.0))
    for link_id, sub in targets:
        exists = db.scalar(
            select(LtiScore.id).where(
                LtiScore.submission_id == row.id,
                LtiScore.round == row.round,
                LtiScore.link_id == link_id,
            )
        )
        if exists is None:
            db.add(
                LtiScore(
                    submission_id=row.id, round=row.round, link_id=link_id, sub=sub, score=score
                )
            )
    db.flush()
    return len(targets)


def _lease(db: Session, score_id: int) -> bool:
    now = utcnow()
    taken = db.execute(
        update(LtiScore)
        .where(
            LtiScore.id == score_id,
            LtiScore.state == "pending",
            (LtiScore.lease_until.is_(None)) | (LtiScore.lease_until < now),
        )
        .values(lease_until=now + LEASE)
    )
    db.commit()
    return taken.rowcount == 1  # type: ignore[attr-defined]


def deliver_due(*, factory: sessionmaker[Session], tokens: services.Tokens) -> tuple[int, int]:
    """Send every due score once; (sent, failed). Failures are retried later, never dropped."""
    sent = failed = 0
    with factory() as db:
        due = db.scalars(
            select(LtiScore.id)
            .where(LtiScore.state == "pending", LtiScore.next_try_at <= utcnow())
            .order_by(LtiScore.id)
            .limit(100)
        ).all()
    for score_id in due:
        with factory() as db:
            if not _lease(db, score_id):
                continue
            row = db.get(LtiScore, score_id)
            link = db.get(LtiLink, row.link_id) if row else None
            platform = db.get(LtiPlatform, link.platform_id) if link else None
            submission = db.get(Submission, row.submission_id) if row else None
            if row is None or link is None or platform is None or not link.lineitem_url:
                continue
            stamp = (submission.finished_at if submission else None) or row.created_at
            body = {
                "userId": row.sub,
                "scoreGiven": round(row.score * 100, 4),
                "scoreMaximum": 100,
                "activityProgress": "Completed",
                "gradingProgress": "FullyGraded",
                "timestamp": stamp.isoformat(),
            }
            try:
                services.post_score(
                    db=db,
                    tokens=tokens,
                    platform=platform,
                    lineitem=link.lineitem_url,
                    body=body,
                )
            except (httpx.HTTPError, KeyError, ValueError) as exc:
                row.attempts += 1
                wait = min(MAX_BACKOFF_S, 2.0 ** min(row.attempts, 10))
                row.next_try_at = utcnow() + timedelta(seconds=wait)
                row.lease_until = None
                row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                db.commit()
                failed += 1
                continue
            row.state = "sent"
            row.sent_at = utcnow()
            row.attempts += 1
            row.last_error = None
            db.commit()
            sent += 1
    return sent, failed


class ScoreSender:
    """A thread of the web process that sends due scores every ``interval_s``."""

    def __init__(
        self, *, factory: sessionmaker[Session], interval_s: float, client: httpx.Client
    ) -> None:
        self.factory = factory
        self.interval_s = interval_s
        self.tokens = services.Tokens(client)
        self._stop = threading.Event()
        self.wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._users = 0  # a lifespan nested in another (a second test client) shares the thread
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            self._users += 1
            if self._thread is not None:
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="lti-scores", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._users -= 1
            thread = self._thread
            if self._users > 0 or thread is None:
                return
            self._thread = None
        self._stop.set()
        self.wake.set()
        thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                deliver_due(factory=self.factory, tokens=self.tokens)
            except Exception:  # the loop must survive a database hiccup; rows stay pending
                log.exception("LTI score delivery failed; retrying")
            self.wake.wait(self.interval_s)
            self.wake.clear()
