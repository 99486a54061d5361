"""What a run costs in processes, memory and CPU: one process per run (the zygote clones the run
straight into its namespaces) against a baseline source tree (by default the commit before
this change: a monitor forked from the zygote, which forked the learner).

For each tree and zygote profile, a fresh process starts a sandbox (two worker slots, so two
spares), warms the profile's zygote and measures:
  processes per spare - below the zygote, while it waits with its spares;
  memory per spare    - what the zygote's descendants hold of their own, per spare: private
                        pages (smaps_rollup) and page tables (VmPTE), what each waiting run
                        adds on top of the zygote it shares the rest with;
  CPU per run         - CPU seconds of the zygote and all its reaped descendants over a
                        series of runs of ``x = 1``, per run (both forks of a run included,
                        and the page-table copies they make);
  run p50             - ``Runner.run_code`` of ``x = 1``, a pause between runs.
Rounds alternate between the trees, so both see the same machine.
Usage: python bench/run_processes.py [--baseline REV] [--rounds N] [--runs N] [--profiles a,b]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_BASELINE = "8fbcc76"  # before one process per run

CHILD = textwrap.dedent(
    r"""
    import json, os, statistics, sys, time
    from pathlib import Path
    from feynlab.grading.runner import Runner
    from feynlab.settings import Settings

    profile, runs = sys.argv[1], int(sys.argv[2])
    tick = os.sysconf("SC_CLK_TCK")

    def below(pid):
        found, todo = [], [pid]
        while todo:
            for task in os.listdir(f"/proc/{todo[0]}/task"):
                with open(f"/proc/{todo[0]}/task/{task}/children") as f:
                    kids = [int(k) for k in f.read().split()]
                found += kids
                todo += kids
            todo.pop(0)
        return found

    def own_kb(pid):  # private pages and page tables; 0 for a process gone meanwhile
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                own = sum(int(l.split()[1]) for l in f if l.startswith("Private_"))
            with open(f"/proc/{pid}/status") as f:
                return own + next(int(l.split()[1]) for l in f if l.startswith("VmPTE:"))
        except (OSError, StopIteration):
            return 0

    def cpu_s(pid):  # the process and every descendant it has reaped
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return sum(int(v) for v in fields[11:15]) / tick

    def zygote_of(z):
        for pid in [z.process.pid] + below(z.process.pid):
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if argv[1:3] == [b"-m", b"feynlab.sandbox.zygote"]:
                return pid
        raise SystemExit("no zygote")

    settings = Settings(env="test", secret_key="bench-secret-key-0123456789", workers=2)
    with Runner(settings) as runner:
        runner.sandbox.warm(profile)
        zygote = zygote_of(runner.sandbox.zygote_process(profile))
        code = "import keras\nx = 1\n" if profile == "keras" else "x = 1\n"
        for _ in range(3):  # warm-up: every slot has run once and holds a spare
            assert runner.run_code(code=code).status == "ok"
            time.sleep(0.3)
        runner.sandbox.settle()
        time.sleep(1.0)
        held = [kb for kb in map(own_kb, below(zygote)) if kb]
        own = sum(held) / 1024
        cpu0, walls = cpu_s(zygote), []
        for _ in range(runs):
            t0 = time.perf_counter()
            result = runner.run_code(code=code)
            walls.append(time.perf_counter() - t0)
            assert result.status == "ok", result
            runner.sandbox.settle()
            time.sleep(0.3)  # the spare's refill, outside the timed run
        time.sleep(0.5)
        cpu = (cpu_s(zygote) - cpu0) / runs
    print("BENCH " + json.dumps({
        "processes": len(held) / settings.workers,
        "own_mb": own / settings.workers,
        "cpu_ms": cpu * 1000,
        "p50_ms": statistics.median(walls) * 1000,
    }))
    """
)


def tree(rev: str) -> Path:
    """A checkout of ``rev`` (made once), whose ``src`` the baseline runs from: in the temporary
    folder, since the sandbox hides the project's var/ (the data) from the zygote."""
    path = Path(tempfile.gettempdir()) / "feynlab-bench-trees" / rev
    if not path.exists():
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(path), rev],
            check=True,
            capture_output=True,
        )
    return path


def measure(src: Path, profile: str, runs: int) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(src), KERAS_BACKEND="torch")
    out = subprocess.run(
        [sys.executable, "-c", CHILD, profile, str(runs)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        cwd=REPO,
    )
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise SystemExit(f"the measured process failed:\n{out.stdout[-2000:]}{out.stderr[-3000:]}")
    result: dict[str, float] = json.loads(line.removeprefix("BENCH "))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default=DEFAULT_BASELINE)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--profiles", default="numpy,keras")
    args = parser.parse_args()
    baseline = tree(args.baseline) / "src"
    trees = {"one process (now)": REPO / "src", f"two ({args.baseline})": baseline}
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    for r in range(args.rounds):
        for profile in args.profiles.split(","):
            for name, src in trees.items():
                got = measure(src, profile, args.runs)
                results.setdefault((profile, name), []).append(got)
                print(f"round {r + 1} {profile:6} {name:22} {json.dumps(got)}", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f}\n")
    print("| zygote | per run | processes per spare | own memory per spare | CPU per run | p50 |")
    print("|---|---|---:|---:|---:|---:|")
    for (profile, name), rounds in results.items():
        med = {k: statistics.median(x[k] for x in rounds) for k in rounds[0]}
        print(
            f"| {profile} | {name} | {med['processes']:.0f} | {med['own_mb']:.1f} MB "
            f"| {med['cpu_ms']:.1f} ms | {med['p50_ms']:.1f} ms |"
        )


if __name__ == "__main__":
    main()
