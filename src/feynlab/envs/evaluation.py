"""Evaluate a Snake policy in the trusted environment: the policy only ever sees observations."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from feynlab.envs.recorder import GameRecord, play
from feynlab.envs.snake import SnakeEnv


class InvalidAction(ValueError):
    """The policy answered something that is not an action 0..3."""

    def __init__(self, action: Any) -> None:
        super().__init__(f"the policy returned {action!r}, which is not an action 0, 1, 2 or 3")
        self.action = action


def checked(policy: Callable[[np.ndarray], Any]) -> Callable[[np.ndarray], int]:
    """Wrap ``policy`` so that anything but an integer 0..3 raises InvalidAction."""

    def act(obs: np.ndarray) -> int:
        action = policy(obs.copy())
        if isinstance(action, np.ndarray) and action.shape == ():
            action = action.item()
        if isinstance(action, bool) or not isinstance(action, int | np.integer):
            raise InvalidAction(action)
        if not 0 <= int(action) < 4:
            raise InvalidAction(action)
        return int(action)

    return act


def evaluate(
    policy: Callable[[np.ndarray], Any],
    *,
    size: int,
    games: int,
    seed: int | None = None,
    seeds: Sequence[int] | None = None,
) -> list[GameRecord]:
    """Play ``games`` games and return every game's record: game i seeded ``seeds[i]``, or
    ``seed + i``. Graders pass independent seeds drawn from ``judge.rng``, so that one game's
    seed, even if guessed from its food, tells nothing of the next."""
    if seeds is None:
        if seed is None:
            raise ValueError("evaluate needs seed or seeds")
        seeds = [seed + i for i in range(games)]
    if len(seeds) != games:
        raise ValueError(f"{games} games need {games} seeds, got {len(seeds)}")
    env = SnakeEnv(size)
    act = checked(policy)
    return [play(env, act, seed=int(s)) for s in seeds]


def games_needed(bar: float, margin: float = 0.05, z: float = 2.326) -> int:
    """Games so that a policy winning ``bar + margin`` of the time passes with 99% probability."""
    p = bar + margin
    return int(np.ceil(z * z * p * (1 - p) / (margin * margin)))
