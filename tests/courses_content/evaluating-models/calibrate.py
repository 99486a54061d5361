"""Calibrate evaluating-models/predict-your-score over many seeds, outside the sandbox: the real
grader.py with a stand-in judge that calls a solution in this process (the model answers
`predict` through the sandbox's own adapter), on the provisioned Fashion-MNIST.

For each solution (the reference, the baseline and the wrong solutions of this folder) and each
seed it draws what a grading draws (the training-set size and subset, the test view) and reports
how often it passes, the decided accuracy, the distance of the private accuracy to the claimed
interval and the wall time.

Usage: .venv/bin/python tests/courses_content/evaluating-models/calibrate.py --seeds 20
(Results are recorded in docs/courses.md.)
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np

from feynlab.datasets.view import ViewBlock
from feynlab.grading.judge import PassBar, RemoteHandle
from feynlab.sandbox.adapters import predictor
from feynlab.settings import REPO_ROOT, get_settings

EXERCISE = REPO_ROOT / "courses" / "evaluating-models" / "exercises" / "predict-your-score"
WRONG = Path(__file__).parent / "predict-your-score"


def load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class LocalHandle(RemoteHandle):
    """A model living in this process, answering `predict` as the sandbox's adapter does."""

    def __init__(self, obj: object) -> None:
        self._predict = predictor(obj)
        self.type_name = type(obj).__name__

    def predict(self, x: np.ndarray, **kwargs: object) -> np.ndarray:
        return np.asarray(self._predict(np.array(x), **kwargs))


class LocalJudge:
    def __init__(self, solution: ModuleType, seed: int, block: ViewBlock, bar: float) -> None:
        self.solution, self.view_seed = solution, seed
        self.rng = np.random.default_rng(seed)
        self.view, self.pass_bar = block, PassBar(metric="accuracy", at_least=bar)
        self.public_dir = get_settings().data_dir / "public"

    def call(self, name: str, *args: object, **kwargs: object) -> object:
        answer = getattr(self.solution, name)(*(np.array(a) for a in args), **kwargs)
        if isinstance(answer, tuple):
            return tuple(
                a if isinstance(a, int | float | np.floating | None) else LocalHandle(a)
                for a in answer
            )
        return answer


def main() -> int:
    import yaml

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first", type=int, default=1)
    parser.add_argument("--only", nargs="*", default=None, help="solution names (stems)")
    args = parser.parse_args()
    spec = yaml.safe_load((EXERCISE / "exercise.yaml").read_text())
    block = ViewBlock.model_validate(spec["view"])
    bar = spec["pass"]["at_least"]
    grader = load(EXERCISE / "grader.py", "grader")
    solutions = {"reference": EXERCISE / "solution.py"}
    solutions |= {p.stem: p for p in sorted(WRONG.glob("*.py"))}
    for name, path in solutions.items():
        if args.only and name not in args.only:
            continue
        module = load(path, name)
        passed, decided, gaps, times, sizes, slack = 0, [], [], [], [], []
        for seed in range(args.first, args.first + args.seeds):
            start = time.perf_counter()
            result = grader.grade(LocalJudge(module, seed, block, bar))
            times.append(time.perf_counter() - start)
            passed += bool(result.passed)
            staff = result.staff_metrics
            if "large_decided_accuracy" in staff:
                decided.append(staff["large_decided_accuracy"])
                sizes.append(result.metrics["training_images"])
                for tag in ("small", "large"):
                    acc = staff[f"{tag}_decided_accuracy"]
                    low, high = staff[f"{tag}_claim_low"], staff[f"{tag}_claim_high"]
                    gaps.append(max(low - acc, acc - high, 0.0))  # outside the claim by
                    # how far the claim was from failing the consistency rule (< 0: failed)
                    slack.append(
                        min(
                            staff[f"{tag}_private_high_99"] + grader.ALLOWANCE - low,
                            high - (staff[f"{tag}_private_low_99"] - grader.ALLOWANCE),
                        )
                    )
        line = f"{name:26} passed {passed}/{args.seeds}"
        if decided:
            line += (
                f"  large model's decided mean {statistics.mean(decided):.4f} min {min(decided):.4f} "
                f"max {max(decided):.4f}  outside the claim by: mean {statistics.mean(gaps):.4f}"
                f" max {max(gaps):.4f}  consistency slack min {min(slack):+.4f} max {max(slack):+.4f}"
                f"  large n {min(sizes):.0f}-{max(sizes):.0f}"
            )
        line += f"  time mean {statistics.mean(times):.1f} s max {max(times):.1f} s"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
