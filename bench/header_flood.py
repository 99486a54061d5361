"""Another user's `GET /api/courses` latency while learners flood the judge channel with 16 MB
JSON headers (issue 13.6: before the 64 KB header cap the web process parsed each whole, and the
catalog's median went from 13 ms to 544 ms for 150 s). Against a real `feynlab serve` (embedded
queue, real sandbox); prints the medians quiet and under the flood, and their ratio.

    .venv/bin/python bench/header_flood.py [--seconds 30] [--flooders 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.grading.queue import procs  # noqa: E402  (real processes, as the fault tests use)

FLOOD = """
import os, struct, time
header = b'{"kind":"event","event":{"type":"progress","logs":{"x":"' + b"a" * (16 << 20) + b'"}}}'
for _ in range(50):
    os.write(3, struct.pack(">IQ", len(header), 0) + header)
time.sleep(5)
"""


def _latencies(base: str, headers: dict[str, str], seconds: float) -> list[float]:
    out: list[float] = []
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            client.get("/api/courses").raise_for_status()
            out.append((time.perf_counter() - started) * 1000)
            time.sleep(0.05)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--flooders", type=int, default=2)
    args = parser.parse_args()
    import tempfile

    from feynlab import db as database
    from feynlab.accounts.models import Role
    from feynlab.accounts.service import create_user
    from feynlab.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="feynlab-flood-"))
    settings = Settings(
        env="test",
        secret_key="bench-secret-key-0123456789",
        database_url=f"sqlite:///{tmp / 'f.db'}",
        var_dir=tmp,
        frontend_dir=tmp / "none",
    )
    database.upgrade(settings.database_url)
    factory = database.session_factory(database.engine_for(settings.database_url))
    with factory() as db:
        users = [
            create_user(
                db=db, email=f"u{i}@b.org", password=procs.PASSWORD, name="U", role=Role.learner
            )
            for i in range(args.flooders + 1)
        ]
        db.commit()
        emails = [u.email for u in users]
    server, base = procs.serve(settings, tmp / "serve.log")
    try:
        reader = procs.bearer(base, emails[0])
        _latencies(base, reader, 3)  # warm up
        quiet = _latencies(base, reader, args.seconds)
        stop = threading.Event()
        outcomes: list[str] = []

        def flood(email: str) -> None:
            headers = procs.bearer(base, email)
            with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                while not stop.is_set():
                    body = {"code": FLOOD, "course": "supervised-1", "lesson": "mnist-with-keras"}
                    r = client.post("/api/runs", json=body)
                    if r.status_code == 202:
                        run = r.json()["id"]
                        while not stop.is_set():
                            done = client.get(f"/api/runs/{run}").json()
                            if done["state"] == "done":
                                outcomes.append(str(done["status"]))
                                break
                            time.sleep(0.1)
                    else:
                        time.sleep(1)

        threads = [threading.Thread(target=flood, args=(e,)) for e in emails[1:]]
        for t in threads:
            t.start()
        time.sleep(2)
        flooded = _latencies(base, reader, args.seconds)
        stop.set()
        for t in threads:
            t.join(30)
    finally:
        server.stop()
    q, f = statistics.median(quiet), statistics.median(flooded)
    print(
        f"GET /api/courses median: quiet {q:.1f} ms ({len(quiet)} requests), during the "
        f"header flood {f:.1f} ms ({len(flooded)}); ratio {f / q:.2f}; flooding runs: "
        f"{len(outcomes)}, ended {sorted(set(outcomes))}"
    )


if __name__ == "__main__":
    main()
