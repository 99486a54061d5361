"""Snake benchmark: environment steps per second, and the reference Q-learning agent's win rate
after 5, 10 and 30 seconds of training (evaluated like the grader: 500 seeded games).

Usage: .venv/bin/python bench/snake_env.py [--budgets 5 10 30] [--games 500]
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import random
import time
from pathlib import Path
from types import ModuleType

import numpy as np

from feynlab.envs import SnakeEnv, play

REFERENCE = (
    Path(__file__).resolve().parents[1] / "courses/qlearning-snake/exercises/snake-3x3/solution.py"
)


def load_reference() -> ModuleType:
    spec = importlib.util.spec_from_file_location("snake_reference", REFERENCE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def steps_per_second(size: int, seconds: float = 2.0) -> float:
    env = SnakeEnv(size, seed=0)
    env.reset()
    rng = np.random.default_rng(0)
    actions = rng.integers(4, size=1_000_000).tolist()
    steps = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for action in actions[steps % 900_000 : steps % 900_000 + 10_000]:
            _, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                env.reset()
        steps += 10_000
    return steps / (time.perf_counter() - started)


def wilson(wins: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = wins / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", type=float, nargs="+", default=[5, 10, 30])
    parser.add_argument("--games", type=int, default=500)
    args = parser.parse_args()
    for size in (3, 5):
        print(f"SnakeEnv(size={size}): {steps_per_second(size):,.0f} random steps/s")
    reference = load_reference()
    print(f"\nreference agent ({REFERENCE.relative_to(REFERENCE.parents[4])}), size 3")
    print(f"{'training s':>10} {'states':>7} {'win rate':>9} {'95% CI':>15}")
    for budget in args.budgets:
        random.seed(0)
        policy = reference.train(SnakeEnv(3, seed=0), budget)
        env = SnakeEnv(3)
        wins = sum(play(env, policy, seed=1_000_000 + g).won for g in range(args.games))
        low, high = wilson(wins, args.games)
        states = len(getattr(policy, "table", {}))
        print(f"{budget:>10g} {states:>7} {wins / args.games:>9.3f} {low:>7.3f}-{high:.3f}")


if __name__ == "__main__":
    main()
