"""The live lesson sessions of this web process: one per learner and lesson, ended when idle.

Sessions live in the process that owns the sandbox (the embedded queue's runner: `feynlab
serve`). Each holds a sandboxed process and a session cgroup slot of that sandbox; when all are
taken, the session unused for longest is ended to make room, and only when every one is running
a cell is a new one refused. A reaper thread ends sessions unused for ``cell_session_idle_s``.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from feynlab.db import utcnow
from feynlab.sandbox.pool import Sandbox
from feynlab.sandbox.session import LiveSession, SessionFull, session_limits
from feynlab.settings import Settings

log = logging.getLogger(__name__)
Key = tuple[int, str, str]  # user id, course, lesson
RECORD_WAIT_S = 5.0  # for another thread's record of a session's end


class SessionsUnavailable(Exception):
    """This process has no sandbox to hold sessions (the Celery queue), or they are off."""


@dataclass
class Entry:
    """A live session and what it ran: cell index -> whether its last run succeeded."""

    key: str
    owner: Key
    session: LiveSession
    ran: dict[int, bool] = field(default_factory=dict)
    execution_count: int = 0
    cpu_s: float | None = None  # as the session last said (informational)
    running: int | None = None  # the cell running now, and since when (monotonic)
    running_since: float = 0.0
    started_at: datetime = field(default_factory=utcnow)
    ending: bool = False  # its end is being recorded; ``recorded`` is set once it is
    recorded: threading.Event = field(default_factory=threading.Event)


EndHook = Callable[[Entry, str], None]


class CellSessions:
    def __init__(
        self,
        *,
        settings: Settings,
        sandbox: Callable[[], Sandbox | None],
        on_end: EndHook,
    ) -> None:
        self.settings = settings
        self._sandbox = sandbox
        self._on_end = on_end
        self._lock = threading.Lock()
        self._entries: dict[Key, Entry] = {}
        self._starting: dict[Key, threading.Lock] = {}
        self._stop = threading.Event()
        self._reaper: threading.Thread | None = None

    # -- looking up ----------------------------------------------------------------------------
    def sandbox(self) -> Sandbox:
        if self.settings.cell_sessions_max <= 0:
            raise SessionsUnavailable(
                "Live lesson sessions are turned off on this server: each cell runs on its own."
            )
        found = self._sandbox()
        if found is None:
            raise SessionsUnavailable(
                "This server grades on separate workers and holds no live lesson sessions: "
                "each cell runs on its own, without the variables of earlier cells."
            )
        return found

    def get(self, owner: Key) -> Entry | None:
        """The live session of ``owner``; one whose process ended is closed and recorded here."""
        with self._lock:
            entry = self._entries.get(owner)
        if entry is not None and not entry.session.alive:
            self._finish(entry, entry.session.close(None))
            entry.recorded.wait(RECORD_WAIT_S)  # a caller then reads the end as recorded
            return None
        return entry

    def get_or_start(self, owner: Key, *, profile: str) -> tuple[Entry, bool]:
        """The live session of ``owner``, started if there is none (then True)."""
        entry = self.get(owner)
        if entry is not None:
            return entry, False
        sandbox = self.sandbox()
        with self._lock:
            starting = self._starting.setdefault(owner, threading.Lock())
        with starting:  # two cells clicked at once start one session, not two
            entry = self.get(owner)
            if entry is not None:
                return entry, False
            self._keep_per_learner(owner)
            session = self._start(sandbox, profile)
            entry = Entry(key=uuid.uuid4().hex, owner=owner, session=session)
            with self._lock:
                self._entries[owner] = entry
                self._starting.pop(owner, None)
            self._ensure_reaper()
            return entry, True

    def _keep_per_learner(self, owner: Key) -> None:
        """Make room for one more session of this learner: past ``cell_sessions_per_learner``
        their session unused for longest ends."""
        with self._lock:
            theirs = [e for k, e in self._entries.items() if k[0] == owner[0] and not e.ending]
        theirs.sort(key=lambda e: e.session.last_used)
        while len(theirs) >= self.settings.cell_sessions_per_learner:
            self.end(theirs.pop(0).owner, "other-lesson")

    def _start(self, sandbox: Sandbox, profile: str) -> LiveSession:
        s = self.settings
        for _ in range(2):
            try:
                return LiveSession(
                    sandbox,
                    limits=session_limits(s),
                    cell_wall_s=s.cell_session_cell_wall_s,
                    profile=profile,
                )
            except SessionFull:
                if not self._evict_one():
                    break
        raise SessionFull("every lesson session slot is running a cell")

    def _evict_one(self) -> bool:
        """End the session unused for longest that is not running a cell (False: none)."""
        with self._lock:
            live = [e for e in self._entries.values() if not e.ending]
            idle = sorted(live, key=lambda e: e.session.last_used)
        for entry in idle:
            if not entry.session.busy():
                self.end(entry.owner, "evicted")
                return True
        return False

    # -- ending --------------------------------------------------------------------------------
    def end(self, owner: Key, reason: str) -> Entry | None:
        with self._lock:
            entry = self._entries.get(owner)
        if entry is None:
            return None
        entry.session.close(reason)
        self._finish(entry, entry.session.ended or reason)
        return entry

    def _finish(self, entry: Entry, reason: str) -> None:
        """Record the end of a closed session, then forget it. Recorded first: a page that
        looks in between must not find the session neither live nor ended (it would take it
        for one a server restart ended)."""
        with self._lock:
            if self._entries.get(entry.owner) is not entry or entry.ending:
                return
            entry.ending = True
        try:
            self._on_end(entry, reason)
        except Exception:
            log.exception("could not record the end of a lesson session")
        finally:
            with self._lock:
                if self._entries.get(entry.owner) is entry:
                    del self._entries[entry.owner]
            entry.recorded.set()

    def reap(self) -> None:
        """End sessions idle past the limit, and record those whose process ended."""
        now = time.monotonic()
        with self._lock:
            entries = list(self._entries.values())
        for entry in entries:
            s = entry.session
            if not s.alive and not s.busy():
                self._finish(entry, s.close(None))
            elif now - s.last_used >= self.settings.cell_session_idle_s and not s.busy():
                self.end(entry.owner, "idle")

    def _ensure_reaper(self) -> None:
        with self._lock:
            if self._reaper is not None:
                return
            self._reaper = threading.Thread(target=self._reap_loop, name="cell-reaper", daemon=True)
        self._reaper.start()

    def _reap_loop(self) -> None:
        interval = max(0.05, min(5.0, self.settings.cell_session_idle_s / 4))
        while not self._stop.wait(interval):
            try:
                self.reap()
            except Exception:
                log.exception("the lesson session reaper failed")

    def close(self, reason: str = "server-restart") -> None:
        self._stop.set()
        with self._lock:
            owners = list(self._entries)
        for owner in owners:
            self.end(owner, reason)
        if self._reaper is not None:
            self._reaper.join(timeout=10)
