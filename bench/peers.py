"""Feynlab against its peers, nbgrader and otter-grader, on the same exercises (issue 17 item 5).

Installs nbgrader and otter-grader (exact versions below) into their own virtual environment,
var/peers/venv (never the app's .venv; reused when it is there), builds two exercises for each
peer from the shipped course:
  softmax - supervised-1/softmax: the reference solution, the grader's seven hidden cases;
  mnist   - supervised-1/mnist-classifier: the reference Keras model trained on the 60,000
            training images, scored on 8,000 hidden test images (bar 90%);
as an nbgrader assignment (a solution cell and a hidden autograded test cell, generated with
`nbgrader generate_assignment`, graded with `nbgrader autograde`) and as an otter assignment
(`otter assign` on a master notebook with a hidden test, graded with `otter run`), and grades
the reference solution with each, in interleaved rounds:
  per verdict - one grading at a time: Feynlab from POST to the verdict event through HTTP
                against a real `feynlab serve` (embedded queue, real sandbox, warm), each peer
                one CLI call (what a grading costs it: start, kernel, execution);
  throughput  - --burst gradings at once with one slot per core (Feynlab: one worker thread
                per core; peers: that many CLI calls in parallel, each on a course copy of its
                own), verdicts per second.
Ratios are within the run (the machine is shared: its load average is printed).
Usage: python bench/peers.py [--rounds N] [--quick] [--burst N] [--mnist-rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grading_e2e import Stack, submit_and_wait  # noqa: E402  (bench/grading_e2e.py)

REPO = Path(__file__).resolve().parents[1]
PEER_ENV = REPO / "var" / "peers" / "venv"
# torch 2.13.0 is the app's (on this machine pip takes it from the local CPU wheel).
PEER_PINS = [
    "nbgrader==0.9.6",
    "otter-grader==7.0.0",
    "ipykernel==7.4.0",
    "numpy==2.4.6",
    "keras==3.15.1",
    "torch==2.13.0",
]
COURSE = "supervised-1"
EXERCISES = {"softmax": "softmax", "mnist": "mnist-classifier"}


# -- the exercises as notebook cells ------------------------------------------------------


def softmax_cells() -> tuple[str, str, str]:
    """(setup, solution, hidden test) for softmax: the grader's cases, asserted."""
    solution = (REPO / "courses" / COURSE / "exercises" / "softmax" / "solution.py").read_text()
    test = textwrap.dedent(
        """
        import numpy as np

        def _reference(z):
            shifted = np.exp(z - z.max(axis=1, keepdims=True))
            return shifted / shifted.sum(axis=1, keepdims=True)

        _rng = np.random.default_rng(20260601)
        _cases = [
            np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]),
            np.array([[4.2]]),
            _rng.normal(size=(64, 10)),
            np.array([[1000.0, 1001.0, 1002.0]]),
            np.array([[-1000.0, -1001.0, -1002.0]]),
            np.array([[800.0, -800.0, 0.0], [1e-3, 2e-3, 0.0]]),
            _rng.normal(scale=400.0, size=(32, 7)),
        ]
        for _z in _cases:
            _got = softmax(_z.copy())
            assert _got.shape == _z.shape
            assert np.allclose(_got, _reference(_z), rtol=1e-6, atol=1e-9)
        """
    ).strip()
    return "import numpy as np", solution.strip(), test


def mnist_cells() -> tuple[str, str, str]:
    """(setup, solution, hidden test) for mnist-classifier: the reference model, 8,000 hidden
    test images (the first ones; Feynlab draws and distorts a fresh view), bar 90%."""
    from feynlab.datasets import service
    from feynlab.settings import Settings

    data_dir = Settings(env="test", secret_key="bench-secret-key-0123456789").data_dir
    x_train = service._existing(data_dir, "mnist", service.SCALED_TRAIN)
    y_train = service._existing(data_dir, "mnist", "y_train")
    x_test = service._existing(data_dir, "mnist", "x_test")
    y_test = service._existing(data_dir, "mnist", "y_test")
    solution = REPO / "courses" / COURSE / "exercises" / "mnist-classifier" / "solution.py"
    setup = textwrap.dedent(
        f"""
        import numpy as np
        x_train = np.load({str(x_train)!r})
        y_train = np.load({str(y_train)!r}).astype(np.int64)
        """
    ).strip()
    test = textwrap.dedent(
        f"""
        import numpy as np
        _x = np.load({str(x_test)!r})[:8000].astype(np.float32) / 255
        _y = np.load({str(y_test)!r})[:8000]
        import contextlib, io
        with contextlib.redirect_stdout(io.StringIO()):  # otter's test compares the output
            _model = train_model(x_train, y_train)
        _accuracy = float((_model.predict(_x, verbose=0).argmax(axis=1) == _y).mean())
        assert _accuracy >= 0.90, _accuracy
        """
    ).strip()
    return setup, solution.read_text().strip(), test


def notebook(cells: list[dict]) -> dict:
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def cell(kind: str, source: str, index: int, **metadata: object) -> dict:
    out: dict = {"cell_type": kind, "id": f"cell-{index}", "metadata": metadata, "source": source}
    if kind == "code":
        out.update(execution_count=None, outputs=[])
    return out


# -- the peers ----------------------------------------------------------------------------


def peer_env() -> dict[str, str]:
    bin_dir = PEER_ENV / "bin"
    marker = PEER_ENV / ".installed"
    if not marker.is_file() or marker.read_text() != " ".join(PEER_PINS):
        print(f"installing {' '.join(PEER_PINS)} into {PEER_ENV} (once)", flush=True)
        if not (bin_dir / "python").exists():
            subprocess.run(["python3", "-m", "venv", str(PEER_ENV)], check=True)
        subprocess.run(
            [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", *PEER_PINS],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        marker.write_text(" ".join(PEER_PINS))
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("FEYNLAB_", "VIRTUAL_ENV"))},
        "PATH": f"{bin_dir}:{os.environ['PATH']}",  # the kernel's `python` is the peer env's
        "VIRTUAL_ENV": str(PEER_ENV),
        "KERAS_BACKEND": "torch",
        "JUPYTER_PLATFORM_DIRS": "1",
    }


def run(argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 900) -> str:
    proc = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(
            f"{' '.join(argv)} failed in {cwd}:\n{proc.stdout[-2000:]}{proc.stderr[-3000:]}"
        )
    return proc.stdout + proc.stderr


class Nbgrader:
    """An nbgrader course per parallel slot: source/NAME/NAME.ipynb with a solution cell and a
    hidden autograded test cell; the release version with the solution filled in is student
    s1's submission; `nbgrader autograde NAME --student s1 --force` is one verdict."""

    name = "nbgrader autograde"

    def __init__(self, root: Path, exercise: str, cells: tuple[str, str, str], env: dict) -> None:
        self.root, self.exercise, self.env = root, exercise, env
        setup, solution, test = cells
        root.mkdir(parents=True)
        (root / "nbgrader_config.py").write_text(
            "c = get_config()\n"
            "c.CourseDirectory.course_id = 'feynlab-bench'\n"
            f"c.CourseDirectory.root = {str(root)!r}\n"
            "c.ExecutePreprocessor.timeout = 900\n"
        )
        source = root / "source" / exercise
        source.mkdir(parents=True)

        def meta(grade_id: str, *, solution: bool, grade: bool, locked: bool, points: int = 0):
            return {
                "nbgrader": {
                    "grade": grade,
                    "grade_id": grade_id,
                    "locked": locked,
                    "schema_version": 3,
                    "solution": solution,
                    "task": False,
                    **({"points": points} if grade else {}),
                }
            }

        book = notebook(
            [
                cell("code", setup, 0, **meta("setup", solution=False, grade=False, locked=True)),
                cell(
                    "code",
                    "### BEGIN SOLUTION\n" + solution + "\n### END SOLUTION",
                    1,
                    **meta("answer", solution=True, grade=False, locked=False),
                ),
                cell(
                    "code",
                    "### BEGIN HIDDEN TESTS\n" + test + "\n### END HIDDEN TESTS",
                    2,
                    **meta("tests", solution=False, grade=True, locked=True, points=1),
                ),
            ]
        )
        (source / f"{exercise}.ipynb").write_text(json.dumps(book))
        nbgrader = str(PEER_ENV / "bin" / "nbgrader")
        run([nbgrader, "db", "assignment", "add", exercise], cwd=root, env=env)
        run([nbgrader, "generate_assignment", exercise, "--force"], cwd=root, env=env)
        run([nbgrader, "db", "student", "add", "s1"], cwd=root, env=env)
        release = json.loads((root / "release" / exercise / f"{exercise}.ipynb").read_text())
        for c in release["cells"]:
            if c["metadata"].get("nbgrader", {}).get("solution"):
                c["source"] = solution
        submitted = root / "submitted" / "s1" / exercise
        submitted.mkdir(parents=True)
        (submitted / f"{exercise}.ipynb").write_text(json.dumps(release))
        self.nbgrader = nbgrader

    def grade(self) -> float:
        start = time.perf_counter()
        run(
            [self.nbgrader, "autograde", self.exercise, "--student", "s1", "--force"],
            cwd=self.root,
            env=self.env,
        )
        elapsed = time.perf_counter() - start
        graded = json.loads(
            (self.root / "autograded" / "s1" / self.exercise / f"{self.exercise}.ipynb").read_text()
        )
        for c in graded["cells"]:
            if c["cell_type"] == "code" and any(o["output_type"] == "error" for o in c["outputs"]):
                raise SystemExit(f"nbgrader: the reference failed: {c['outputs']}"[:2000])
        return elapsed


class Otter:
    """An otter assignment: a master notebook (a question with a solution and a hidden test)
    through `otter assign`; the autograder notebook (solutions in) is the submission;
    `otter run -a autograder.zip` is one verdict (no container)."""

    name = "otter run"

    def __init__(self, root: Path, exercise: str, cells: tuple[str, str, str], env: dict) -> None:
        self.root, self.exercise, self.env = root, exercise, env
        setup, solution, test = cells
        root.mkdir(parents=True)
        config = (
            "# ASSIGNMENT CONFIG\n"
            f"name: {exercise}\n"
            "init_cell: false\n"
            "check_all_cell: false\n"
            "export_cell: false\n"
            "run_tests: false\n"
            "generate: true\n"
        )
        master = notebook(
            [
                cell("raw", config, 0),
                cell("code", setup, 1),
                cell("raw", f"# BEGIN QUESTION\nname: {exercise}\npoints: 1", 2),
                cell("raw", "# BEGIN SOLUTION", 3),
                cell("code", solution, 4),
                cell("raw", "# END SOLUTION", 5),
                cell("raw", "# BEGIN TESTS", 6),
                cell("code", "# HIDDEN\n" + test, 7),
                cell("raw", "# END TESTS", 8),
                cell("raw", "# END QUESTION", 9),
            ]
        )
        (root / f"{exercise}.ipynb").write_text(json.dumps(master))
        otter = str(PEER_ENV / "bin" / "otter")
        run([otter, "assign", f"{exercise}.ipynb", "dist"], cwd=root, env=env)
        zips = sorted((root / "dist" / "autograder").glob("*autograder*.zip"))  # timestamped
        if not zips:
            raise SystemExit(f"otter assign made no autograder zip in {root / 'dist'}")
        self.zip = zips[-1]
        self.submission = root / "dist" / "autograder" / f"{exercise}.ipynb"
        self.otter = otter

    def grade(self) -> float:
        out = self.root / "out"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        start = time.perf_counter()
        run(
            [self.otter, "run", "-a", str(self.zip), "-o", str(out), str(self.submission)],
            cwd=self.root,
            env=self.env,
        )
        elapsed = time.perf_counter() - start
        results = json.loads((out / "results.json").read_text())
        score = sum(t.get("score", 0) for t in results.get("tests", []))
        if score < 1:
            raise SystemExit(f"otter: the reference failed: {json.dumps(results)[:2000]}")
        return elapsed


class Feynlab:
    """A real `feynlab serve` (embedded queue, real sandbox, SQLite), graded through HTTP."""

    name = "Feynlab (HTTP, serve)"

    def __init__(self, workdir: Path, burst: int) -> None:
        self.stack = Stack(
            queue="embedded", courses=REPO / "courses", workdir=workdir, broker="redis://unused"
        )
        self.tokens = self.stack.learners(max(1, burst))
        self.client = httpx.Client(base_url=self.stack.base, timeout=900)

    def url(self, exercise: str) -> str:
        return f"{self.stack.base}/api/courses/{COURSE}/exercises/{EXERCISES[exercise]}/submissions"

    def code(self, exercise: str) -> str:
        return (
            REPO / "courses" / COURSE / "exercises" / EXERCISES[exercise] / "solution.py"
        ).read_text()

    def grade(self, exercise: str) -> float:
        return submit_and_wait(self.client, self.url(exercise), self.code(exercise), self.tokens[0])

    def burst(self, exercise: str, n: int) -> float:
        url, code = self.url(exercise), self.code(exercise)

        def one(i: int) -> float:
            with httpx.Client(base_url=self.stack.base, timeout=900) as client:
                return submit_and_wait(client, url, code, self.tokens[i])

        start = time.perf_counter()
        with ThreadPoolExecutor(n) as pool:
            list(pool.map(one, range(n)))
        return n / (time.perf_counter() - start)

    def close(self) -> None:
        self.client.close()
        self.stack.stop()


def peer_burst(slots: list, n: int) -> float:
    """n gradings over the peer's slots (one course copy per slot, run in parallel)."""
    start = time.perf_counter()
    with ThreadPoolExecutor(len(slots)) as pool:
        futures = [pool.submit(slots[i % len(slots)].grade) for i in range(n)]
        for f in futures:
            f.result()
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="softmax: interleaved rounds")
    parser.add_argument("--mnist-rounds", type=int, default=1, help="mnist: interleaved rounds")
    parser.add_argument("--quick", action="store_true", help="softmax only")
    parser.add_argument("--exercises", default="softmax,mnist", help="which, in order")
    parser.add_argument(
        "--burst", type=int, default=0, help="gradings at once (default 2 per core)"
    )
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    burst = args.burst or 2 * cores
    exercises = ["softmax"] if args.quick else args.exercises.split(",")
    rounds = {"softmax": args.rounds, "mnist": args.mnist_rounds}
    env = peer_env()
    load0 = os.getloadavg()
    print(
        f"peers: {', '.join(PEER_PINS[:2])}; {cores} cores, one slot per core, burst {burst}; "
        f"load average {' '.join(f'{v:.2f}' for v in load0)}",
        flush=True,
    )
    tmp = Path(tempfile.mkdtemp(prefix="feynlab-peers-"))
    feynlab = Feynlab(tmp / "feynlab", burst)
    latency: dict[tuple[str, str], list[float]] = {}
    rate: dict[tuple[str, str], float] = {}
    loads: list[float] = []
    try:
        for exercise in exercises:
            cells = softmax_cells() if exercise == "softmax" else mnist_cells()
            peers: dict[str, list] = {
                Nbgrader.name: [
                    Nbgrader(tmp / f"nb-{exercise}-{i}", exercise, cells, env) for i in range(cores)
                ],
                Otter.name: [
                    Otter(tmp / f"otter-{exercise}-{i}", exercise, cells, env) for i in range(cores)
                ],
            }
            feynlab.grade(exercise)  # warm: the zygote and the grader host for this exercise
            if exercise == "softmax":  # MNIST's minutes of training dwarf a cold start
                for slots in peers.values():
                    slots[0].grade()  # warm the page cache the same way
            for r in range(rounds[exercise]):
                t = feynlab.grade(exercise)
                latency.setdefault((exercise, Feynlab.name), []).append(t)
                for name, slots in peers.items():
                    latency.setdefault((exercise, name), []).append(slots[0].grade())
                loads.append(os.getloadavg()[0])
                shown = {k[1]: f"{v[-1]:.2f} s" for k, v in latency.items() if k[0] == exercise}
                print(f"{exercise} round {r + 1}: {shown}", flush=True)
            n = burst if exercise == "softmax" else cores
            rate[(exercise, Feynlab.name)] = feynlab.burst(exercise, n)
            for name, slots in peers.items():
                rate[(exercise, name)] = peer_burst(slots, n)
            loads.append(os.getloadavg()[0])
            print(
                f"{exercise} throughput ({n} at once): "
                f"{ {k[1]: round(v, 3) for k, v in rate.items() if k[0] == exercise} }",
                flush=True,
            )
    finally:
        feynlab.close()
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nload average during the run: {min(loads):.1f}-{max(loads):.1f}")
    print(
        "\n| exercise | grader | per verdict p50 s | min s | Feynlab faster | verdicts/s "
        "| Feynlab's rate is |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for exercise in exercises:
        base = statistics.median(latency[(exercise, Feynlab.name)])
        base_rate = rate[(exercise, Feynlab.name)]
        for name in (Feynlab.name, Nbgrader.name, Otter.name):
            values = latency[(exercise, name)]
            p50 = statistics.median(values)
            print(
                f"| {exercise} | {name} | {p50:.2f} | {min(values):.2f} | {p50 / base:.1f}x | "
                f"{rate[(exercise, name)]:.3f} | {base_rate / rate[(exercise, name)]:.1f}x |"
            )


if __name__ == "__main__":
    main()
