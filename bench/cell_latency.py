"""Lesson cells: a cell run in a live session next to a fresh one-off run, and idle session memory.

In one run, on the same sandbox: p50/p99 of ``x = 1`` run (1) in a live session directly
(sandbox/session.py), (2) in a live session through the HTTP API (the app in process, its SQLite
database: the route, the prerequisite check, storing the outputs), and (3) as a fresh one-off
run (a new process forked from the warm zygote per cell, as the queue runs a cell without a
session). Then the memory of idle sessions: PSS and private memory of each session's processes
(its learner process and its monitor), for sessions of the numpy and of the keras zygote,
after one cell.

Usage: python bench/cell_latency.py [--cells N] [--fresh N] [--sessions N] [--profiles numpy,keras]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from feynlab.grading.runner import Runner
from feynlab.sandbox.session import LiveSession, session_limits
from feynlab.settings import Settings

CODE = "x = 1\n"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def line(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    p50, p99 = percentile(ms, 50), percentile(ms, 99)
    return f"{name:<46} p50 {p50:8.2f} ms   p99 {p99:8.2f} ms   (n={len(ms)})"


def memory_mb(pid: int) -> tuple[float, float]:
    """(PSS, private) of a process, MB: PSS shares the zygote's pages among all that map them
    (so it shrinks as sessions are added); private is what this process alone holds."""
    fields: dict[str, int] = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for row in f:
            name, _, rest = row.partition(":")
            if name in ("Pss", "Private_Clean", "Private_Dirty"):
                fields[name] = int(rest.split()[0])
    return fields["Pss"] / 1024, (fields["Private_Clean"] + fields["Private_Dirty"]) / 1024


def session_pids(runner: Runner, session: LiveSession) -> list[int]:
    """Host pids of a session: the learner process (in its cgroup slot) and its monitor."""
    slot_dir = runner.sandbox.cgroups.slot_dir("memory", session.slot)
    learners = [int(p) for p in (slot_dir / "cgroup.procs").read_text().split()]
    pids = list(learners)
    for pid in learners:
        status = Path(f"/proc/{pid}/status").read_text()
        ppid = int(next(r for r in status.splitlines() if r.startswith("PPid:")).split()[1])
        if ppid not in pids:
            pids.append(ppid)
    return pids


def http_cells(runner: Runner, settings: Settings, cells: int) -> list[float]:
    from fastapi.testclient import TestClient

    from feynlab.accounts.models import Role
    from feynlab.accounts.service import create_user
    from feynlab.app import create_app
    from feynlab.db import upgrade

    upgrade(settings.database_url)
    app = create_app(settings, runner=runner)
    times: list[float] = []
    with TestClient(app) as client:
        with app.state.sessionmaker() as db:
            create_user(
                db=db,
                email="bench@example.org",
                password="bench password 123",
                name="Bench",
                role=Role.learner,
            )
            db.commit()
        token = client.post(
            "/api/auth/login", json={"email": "bench@example.org", "password": "bench password 123"}
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        lessons = client.get("/api/courses/supervised-1", headers=headers).json()["lessons"]
        lesson = next(
            lesson["slug"]
            for lesson in lessons
            if client.get(f"/api/courses/supervised-1/lessons/{lesson['slug']}").json()["cells"]
        )
        url = f"/api/courses/supervised-1/lessons/{lesson}/cells/0/run"
        for i in range(cells + 5):
            t = time.perf_counter()
            response = client.post(url, json={"code": CODE}, headers=headers)
            elapsed = time.perf_counter() - t
            assert response.status_code == 200 and response.json()["cell"]["status"] == "ok", (
                response.text
            )
            if i >= 5:  # the first starts the session
                times.append(elapsed)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=300)
    parser.add_argument("--fresh", type=int, default=40)
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--profiles", default="numpy,keras")
    args = parser.parse_args()
    profiles = args.profiles.split(",")
    var = Path(tempfile.mkdtemp(prefix="feynlab-bench-"))
    settings = Settings(
        env="test",
        secret_key="bench-secret-key-0123456789",
        database_url=f"sqlite:///{var / 'bench.db'}",
        var_dir=var,
        cell_sessions_max=max(args.sessions * len(profiles), 4),
        cell_sessions_per_learner=100,
        create_demo_users=False,
        workers=2,
    )
    with Runner(settings=settings, workers=2) as runner:
        runner.sandbox.warm(*profiles)
        print(f"cell `{CODE.strip()}`; {os.cpu_count()} cores; zygotes: {', '.join(profiles)}")
        # (1) a live session, directly
        live = LiveSession(
            runner.sandbox, limits=session_limits(settings), cell_wall_s=60, profile="numpy"
        )
        for _ in range(10):
            live.run_cell(CODE, number=1)
        direct = []
        for _ in range(args.cells):
            t = time.perf_counter()
            outcome = live.run_cell(CODE, number=1)
            direct.append(time.perf_counter() - t)
            assert outcome.ok
        live.close("restart")
        # (2) through the HTTP API
        http = http_cells(runner, settings, min(args.cells, 200))
        # (3) a fresh one-off run per cell
        for _ in range(3):
            runner.run_code(code=CODE)
        fresh = []
        for _ in range(args.fresh):
            t = time.perf_counter()
            result = runner.run_code(code=CODE)
            fresh.append(time.perf_counter() - t)
            assert result.status == "ok", result
        print(line("live session, sandbox (LiveSession.run_cell)", direct))
        print(line("live session, HTTP API (POST .../cells/0/run)", http))
        print(line("fresh one-off run (Runner.run_code)", fresh))
        # memory of idle sessions
        for profile in profiles:
            sessions = [
                LiveSession(
                    runner.sandbox, limits=session_limits(settings), cell_wall_s=60, profile=profile
                )
                for _ in range(args.sessions)
            ]
            for s in sessions:
                assert s.run_cell(CODE, number=1).ok
            time.sleep(0.5)
            used = [[memory_mb(pid) for pid in session_pids(runner, s)] for s in sessions]
            pss = [sum(m[0] for m in u) for u in used]
            private = [sum(m[1] for m in u) for u in used]
            charged = [s.memory_mb() or 0.0 for s in sessions]
            print(
                f"idle session ({profile} zygote), {len(used)} sessions (learner + monitor "
                f"process each): PSS median {percentile(pss, 50):.1f} MB (max {max(pss):.1f}), "
                f"private median {percentile(private, 50):.1f} MB, cgroup charge "
                f"{percentile(charged, 50):.1f} MB; zygote RSS "
                f"{runner.sandbox.zygote_process(profile).rss_mb:.0f} MB"
            )
            for s in sessions:
                s.close("restart")


if __name__ == "__main__":
    main()
