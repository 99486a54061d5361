"""Submit-to-verdict time through the HTTP API, and throughput, on both queue backends.

Starts a real `feynlab serve` (embedded queue), then `feynlab serve` + `feynlab worker` over
Redis (Celery queue), with one worker slot per core, on a fresh SQLite database. Measures:
  idle   - one learner submitting one at a time: POST until the verdict event on the SSE stream;
  load   - 50 concurrent learners, each submitting, waiting for the verdict, submitting again,
           for --seconds; verdicts per second counted in the steady state (after RAMP_S);
  sandbox alone - verdicts per second of Runner.grade on the same code, one thread per core,
  measured right before and after each backend's load (the machine's speed drifts), for the
  throughput ratio.
Usage: python bench/grading_e2e.py [--idle N] [--seconds S] [--learners N] [--backends ...]
       [--compare-full] [--think S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import aiohttp
import httpx

REPO = Path(__file__).resolve().parents[1]
FEYNLAB = str(Path(sys.executable).parent / "feynlab")
PASSWORD = "bench-password-123"
RAMP_S = 3.0  # the load phase's first seconds, left out of the throughput
# prepended for --compare-full: the run then forks from the full (Keras) zygote, as every run
# did before zygote profiles
FULL_ZYGOTE = "import keras  # noqa: F401"


def pick_exercise() -> tuple[Path, str, str]:
    """supervised-1/softmax when the shipped courses have it, else the tests' example/add."""
    if (REPO / "courses" / "supervised-1" / "exercises" / "softmax" / "solution.py").is_file():
        return REPO / "courses", "supervised-1", "softmax"
    return REPO / "tests" / "fixtures" / "courses", "example", "add"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class Stack:
    """feynlab serve (+ feynlab worker for Celery) on a fresh database."""

    def __init__(self, *, queue: str, courses: Path, workdir: Path, broker: str) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("FEYNLAB_")},
            "FEYNLAB_ENV": "test",
            "FEYNLAB_SECRET_KEY": "bench-secret-key-0123456789",
            "FEYNLAB_DATABASE_URL": f"sqlite:///{workdir / 'feynlab.db'}",
            "FEYNLAB_COURSES_DIR": str(courses),
            "FEYNLAB_VAR_DIR": str(workdir / "var"),
            "FEYNLAB_CREATE_DEMO_USERS": "false",
            "FEYNLAB_WORKERS": str(os.cpu_count() or 1),
            "FEYNLAB_SUBMISSIONS_PER_MINUTE": "1000000",
            "FEYNLAB_MAX_RUNNING_PER_LEARNER": "1000",
            "FEYNLAB_QUEUE": queue,
            "FEYNLAB_BROKER_URL": broker,
            "FEYNLAB_CELERY_QUEUE": f"feynlab-bench-{os.getpid()}",
            "KERAS_BACKEND": "torch",
        }
        for key in ("FEYNLAB_DATA_DIR", "FEYNLAB_UNSAFE_NO_SANDBOX"):
            if key in os.environ:
                self.env[key] = os.environ[key]
        self.procs: list[subprocess.Popen[bytes]] = []
        self.names: list[str] = []
        subprocess.run([FEYNLAB, "migrate"], env=self.env, check=True, capture_output=True)
        if queue == "celery":
            self._spawn([FEYNLAB, "worker", "--loglevel", "WARNING"], "worker.log")
        self._spawn([FEYNLAB, "serve", "--port", str(self.port)], "serve.log")
        self._wait_ready(queue)

    def _spawn(self, argv: list[str], log: str) -> None:
        self.names.append(f"feynlab {argv[1]}")
        out = (self.workdir / log).open("wb")
        self.procs.append(
            subprocess.Popen(
                argv, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        )

    def _wait_ready(self, queue: str) -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise SystemExit(f"feynlab serve did not start; see {self.workdir / 'serve.log'}")

    def learners(self, n: int) -> list[dict[str, str]]:
        from feynlab import db
        from feynlab.accounts.models import Role
        from feynlab.accounts.service import create_user

        url = self.env["FEYNLAB_DATABASE_URL"]
        with db.session_factory(db.engine_for(url))() as session:
            for i in range(n):
                create_user(
                    db=session,
                    email=f"l{i}@bench.local",
                    password=PASSWORD,
                    name=f"L{i}",
                    role=Role.learner,
                )
            session.commit()
        tokens = []
        for i in range(n):
            r = httpx.post(
                f"{self.base}/api/auth/login",
                json={"email": f"l{i}@bench.local", "password": PASSWORD},
            )
            tokens.append({"Authorization": f"Bearer {r.json()['token']}"})
        return tokens

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def submit_and_wait(client: httpx.Client, url: str, code: str, headers: dict[str, str]) -> float:
    """Seconds from POST to the verdict event on the submission's SSE stream."""
    start = time.perf_counter()
    r = client.post(url, json={"code": code}, headers=headers)
    r.raise_for_status()
    with client.stream("GET", r.json()["events_url"], headers=headers, timeout=120) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:") and json.loads(line[5:])["type"] == "verdict":
                status = json.loads(line[5:])["status"]
                if status != "passed":
                    raise SystemExit(f"the reference solution got {status}: {line[:300]}")
                return time.perf_counter() - start
    raise SystemExit("the event stream ended without a verdict")


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_busy_seconds() -> float:
    """CPU seconds spent by this machine's processes and kernel."""
    # user, nice, system, irq, softirq: not idle, iowait, or steal (another VM's time)
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(values[i] for i in (0, 1, 2, 5, 6)) / TICK


def cpu_snapshot(stack: Stack) -> dict[str, float]:
    snap = {"machine": machine_busy_seconds(), "load generator": time.process_time()}
    for name, proc in zip(stack.names, stack.procs, strict=True):
        snap[name] = cpu_seconds(proc.pid)
    return snap


async def submit_and_wait_async(
    client: aiohttp.ClientSession, url: str, code: str, headers: dict[str, str]
) -> float:
    """``submit_and_wait`` for the load phase: all learners in one thread's event loop, on
    aiohttp, so the load generator spends as little of the shared cores as it can."""
    start = time.perf_counter()
    async with client.post(url, json={"code": code}, headers=headers) as r:
        r.raise_for_status()
        events_url = (await r.json())["events_url"]
    async with client.get(events_url, headers=headers) as stream:
        async for raw in stream.content:
            line = raw.decode()
            if line.startswith("data:") and '"verdict"' in line:
                event = json.loads(line[5:])
                if event["type"] == "verdict":
                    if event["status"] != "passed":
                        raise SystemExit(f"the reference solution got {event['status']}")
                    return time.perf_counter() - start
    raise SystemExit("the event stream ended without a verdict")


async def load(
    base: str, url: str, code: str, tokens: list[dict[str, str]], seconds: float
) -> tuple[list[float], float]:
    """Every learner submits, waits for the verdict and submits again until ``seconds`` have
    passed. Returns every submit-to-verdict time and the verdicts per second in the steady
    state: those finished between RAMP_S after the start and the end, as the sandbox alone is
    measured over a fixed time (the first submissions and the last stragglers left out)."""
    loaded: list[float] = []
    finished: list[float] = []
    connector = aiohttp.TCPConnector(limit=2 * len(tokens))
    timeout = aiohttp.ClientTimeout(total=120)
    start = time.perf_counter()
    stop_at = start + seconds
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as client:
        path = url.removeprefix(base)

        async def learner(headers: dict[str, str]) -> None:
            while time.perf_counter() < stop_at:
                loaded.append(await submit_and_wait_async(client, path, code, headers))
                finished.append(time.perf_counter())

        await asyncio.gather(*(learner(headers) for headers in tokens))
    window = [t for t in finished if start + RAMP_S <= t <= stop_at]
    return loaded, len(window) / (seconds - RAMP_S)


def measure(stack: Stack, course: str, exercise: str, code: str, args: argparse.Namespace) -> dict:
    tokens = stack.learners(args.learners)
    url = f"{stack.base}/api/courses/{course}/exercises/{exercise}/submissions"
    with httpx.Client(base_url=stack.base, timeout=60) as client:
        for _ in range(3):  # warm-up
            submit_and_wait(client, url, code, tokens[0])
        idle: list[float] = []
        full: list[float] = []  # the same solution on the full zygote, interleaved
        full_code = f"{FULL_ZYGOTE}\n{code}"
        if args.compare_full:
            submit_and_wait(client, url, full_code, tokens[0])
        for _ in range(args.idle):
            time.sleep(args.think)
            idle.append(submit_and_wait(client, url, code, tokens[0]))
            if args.compare_full:
                time.sleep(args.think)
                full.append(submit_and_wait(client, url, full_code, tokens[0]))
    before = cpu_snapshot(stack)
    loaded, throughput = asyncio.run(load(stack.base, url, code, tokens, args.seconds))
    after = cpu_snapshot(stack)
    # CPU ms per verdict under load: who spends the two cores.
    cpu = {name: (after[name] - before[name]) * 1000 / len(loaded) for name in before}
    cpu["sandbox and the rest"] = cpu["machine"] - sum(v for k, v in cpu.items() if k != "machine")
    return {"idle": idle, "full": full, "loaded": loaded, "throughput": throughput, "cpu": cpu}


class SandboxAlone:
    """Runner.grade on the same code, one thread per core (no HTTP, no queue): measured right
    before and right after each backend's load, since this machine's speed drifts by tens of
    percent over minutes and the ratio must compare like with like."""

    def __init__(self, courses: Path, course: str, exercise: str, code: str) -> None:
        from feynlab.courses.find import find_exercise
        from feynlab.grading.queue.runners import sandbox_runner
        from feynlab.settings import Settings

        self.settings = Settings(
            env="test", secret_key="bench-secret-key-0123456789", courses_dir=courses
        )
        self.target = find_exercise(courses, f"{course}/{exercise}").gradable()
        self.code = code
        self.runner = sandbox_runner(self.settings)
        for _ in range(3):
            self._grade()

    def _grade(self) -> None:
        self.runner.grade(exercise=self.target, code=self.code, on_event=lambda e: None)

    def measure(self, seconds: float) -> dict[str, float]:
        """Verdicts per second; the machine's CPU ms per verdict; the CPU ms per verdict of this
        process (the runner's side, which runs in ``feynlab serve`` or ``feynlab worker``)."""
        done = 0
        lock = threading.Lock()
        stop_at = time.perf_counter() + seconds

        def loop() -> None:
            nonlocal done
            while time.perf_counter() < stop_at:
                self._grade()
                with lock:
                    done += 1

        start, busy, own = time.perf_counter(), machine_busy_seconds(), time.process_time()
        threads = [threading.Thread(target=loop) for _ in range(self.settings.workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return {
            "rate": done / (time.perf_counter() - start),
            "cpu_ms": (machine_busy_seconds() - busy) * 1000 / done,
            "client_ms": (time.process_time() - own) * 1000 / done,
        }

    def close(self) -> None:
        from feynlab.grading.queue.runners import close_runner

        close_runner(self.runner)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=int, default=50, help="sequential submissions, idle queue")
    parser.add_argument("--learners", type=int, default=50, help="concurrent learners")
    parser.add_argument(
        "--seconds",
        type=float,
        default=30,
        help="length of the load phase (and of the sandbox alone measurement)",
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("FEYNLAB_BENCH_REDIS_URL", ""),
        help="broker for the Celery run (default: a private redis-server)",
    )
    parser.add_argument("--backends", default="embedded,celery")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="idle: seconds a learner waits between a verdict and the next submission",
    )
    parser.add_argument(
        "--compare-full",
        action="store_true",
        help="idle: also the same solution with `import keras` (the full zygote), interleaved",
    )
    args = parser.parse_args()
    courses, course, exercise = pick_exercise()
    code = (courses / course / "exercises" / exercise / "solution.py").read_text()
    cores = os.cpu_count() or 1
    print(
        f"grading_e2e: {course}/{exercise}, {cores} cores, one worker slot per core, "
        f"idle think time {args.think} s, load average {os.getloadavg()[0]:.2f}"
    )
    alone = SandboxAlone(courses, course, exercise, code)
    results = {}
    tmp = tempfile.mkdtemp(prefix="feynlab-bench-")
    print(f"logs under {tmp} (removed when the run succeeds)")
    if True:
        redis_proc = None
        broker = args.redis
        if "celery" in args.backends and not broker:
            port = free_port()
            redis_proc = subprocess.Popen(
                [
                    shutil.which("redis-server") or "redis-server",
                    "--port",
                    str(port),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    tmp,
                ],
                stdout=subprocess.DEVNULL,
            )
            broker = f"redis://127.0.0.1:{port}/0"
            time.sleep(0.5)
        try:
            for backend in args.backends.split(","):
                stack = Stack(
                    queue=backend,
                    courses=courses,
                    workdir=Path(tmp) / backend,
                    broker=broker or "redis://127.0.0.1:6379/0",
                )
                try:
                    before = alone.measure(args.seconds / 2)
                    results[backend] = measure(stack, course, exercise, code, args)
                    after = alone.measure(args.seconds / 2)
                    results[backend]["alone"] = {k: (before[k] + after[k]) / 2 for k in before}
                finally:
                    stack.stop()
        finally:
            alone.close()
            if redis_proc is not None:
                redis_proc.terminate()
    shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"\n| backend  | idle p50 ms | idle p99 ms | {args.learners} learners p50 ms | p99 ms | "
        "verdicts/s | sandbox alone | ratio |"
    )
    print(
        "|----------|------------:|------------:|-------------------:|-------:|-----------:|"
        "--------------:|------:|"
    )
    for backend, r in results.items():
        idle, loaded = [v * 1000 for v in r["idle"]], [v * 1000 for v in r["loaded"]]
        rate = r["alone"]["rate"]
        print(
            f"| {backend:8} | {statistics.median(idle):11.0f} | {percentile(idle, 99):11.0f} | "
            f"{statistics.median(loaded):18.0f} | {percentile(loaded, 99):6.0f} | "
            f"{r['throughput']:10.2f} | {rate:13.2f} | {r['throughput'] / rate:5.0%} |"
        )
    for backend, r in results.items():
        if r["full"]:
            full = [v * 1000 for v in r["full"]]
            print(
                f"\n{backend}, idle, same solution on the full zygote (`{FULL_ZYGOTE}`): "
                f"p50 {statistics.median(full):.0f} ms, p99 {percentile(full, 99):.0f} ms"
            )
    print(
        "\nSandbox alone: Runner.grade, one thread per core, the mean of the measurements right "
        "before and after the backend's load."
    )
    print("\nCPU ms per verdict under load (the machine's busy time, split by process):")
    for backend, r in results.items():
        shares = ", ".join(f"{name} {ms:.1f}" for name, ms in r["cpu"].items())
        print(f"  {backend}: {shares}")
        print(
            f"  {backend}, sandbox alone: machine {r['alone']['cpu_ms']:.1f}, of which the "
            f"runner's side of the protocol (in serve or worker) {r['alone']['client_ms']:.1f}"
        )


if __name__ == "__main__":
    main()
