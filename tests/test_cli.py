"""The `feynlab` command as a user runs it: users create, serve, openapi."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import EXAMPLE_COURSES

FEYNLAB = [sys.executable, "-m", "feynlab.cli"]


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEYNLAB_")}
    env.update(
        FEYNLAB_DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}",
        FEYNLAB_COURSES_DIR=str(EXAMPLE_COURSES),
        FEYNLAB_VAR_DIR=str(tmp_path / "var"),
        FEYNLAB_DATA_DIR=str(tmp_path / "data"),
        FEYNLAB_FRONTEND_DIR=str(tmp_path / "dist"),
        **extra,
    )
    return env


def test_users_create_reads_the_password_from_stdin_and_can_log_in(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    created = subprocess.run(
        [*FEYNLAB, "users", "create", "--email", "Prof@Example.org", "--role", "instructor"],
        input="a-long-password\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    assert "created instructor prof@example.org" in created.stdout
    again = subprocess.run(
        [*FEYNLAB, "users", "create", "--email", "prof@example.org"],
        input="another-password\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 2 and "already exists" in again.stderr
    bad_role = subprocess.run(
        [*FEYNLAB, "users", "create", "--email", "x@example.org", "--role", "wizard"],
        input="another-password\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad_role.returncode == 2 and "unknown role" in bad_role.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_migrates_creates_demo_users_and_serves_the_catalog(tmp_path: Path) -> None:
    port = free_port()
    env = env_for(tmp_path, FEYNLAB_ENV="development", FEYNLAB_WORKERS="1")
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [*FEYNLAB, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            raise AssertionError(f"server did not start:\n{log.read_text()}")
        catalog = httpx.get(f"{base}/api/courses", timeout=10).json()
        assert [c["slug"] for c in catalog] == ["example"]
        printed = log.read_text()
        assert "demo learner: learner@feynlab.local / " in printed
        email, password = printed.split("demo learner: ")[1].split("\n")[0].split(" / ")
        login = httpx.post(f"{base}/api/auth/login", json={"email": email, "password": password})
        assert login.status_code == 200
        assert (tmp_path / "cli.db").exists()
        with sqlite3.connect(tmp_path / "cli.db") as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_openapi_prints_the_schema(tmp_path: Path) -> None:
    result = subprocess.run(
        [*FEYNLAB, "openapi"], env=env_for(tmp_path), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert "/api/courses" in schema["paths"]


def descendants_args(pid: int) -> list[str]:
    """Command lines of every process below ``pid`` (read from /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        for child in frontier:
            with contextlib.suppress(OSError):
                found.append((Path("/proc") / str(child) / "cmdline").read_bytes().decode())
    return found


def test_serve_starts_the_sandbox_with_the_server(tmp_path: Path) -> None:
    """The first learner's run must not wait for the ML stack to be imported."""
    port = free_port()
    env = env_for(tmp_path, FEYNLAB_ENV="development", FEYNLAB_WORKERS="1")
    server = subprocess.Popen(
        [*FEYNLAB, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        started = False
        while time.monotonic() < deadline and not started:
            time.sleep(0.5)
            started = any("feynlab.sandbox.zygote" in a for a in descendants_args(server.pid))
        assert started, "no zygote started with the server"
    finally:
        server.terminate()
        server.wait(timeout=30)
