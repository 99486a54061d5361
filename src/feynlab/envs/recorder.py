"""Record Snake games (every frame and action) so a browser can replay them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from feynlab.envs.snake import SnakeEnv

Policy = Callable[[np.ndarray], int]


@dataclass
class GameRecord:
    """One game: ``frames[0]`` is the board after reset, ``frames[i + 1]`` after ``actions[i]``.

    Frames are the observation grids flattened row by row (0 empty, -1 food, 1.. head to tail).
    """

    size: int
    seed: int | None
    frames: list[list[int]] = field(default_factory=list)
    actions: list[int] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)
    outcome: str = "running"  # won, died, truncated
    length: int = 1

    @property
    def won(self) -> bool:
        return self.outcome == "won"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"won": self.won}


class Recorder:
    """Wraps a SnakeEnv and records every game played through it, in ``games``."""

    def __init__(self, env: SnakeEnv) -> None:
        self.env = env
        self.games: list[GameRecord] = []

    @property
    def action_space(self) -> Any:
        return self.env.action_space

    @property
    def observation_space(self) -> Any:
        return self.env.observation_space

    def reset(self, *, seed: int | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        obs, info = self.env.reset(seed=seed)
        self.games.append(GameRecord(size=self.env.size, seed=seed, frames=[_flat(obs)]))
        return obs, info

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        game = self.games[-1]
        game.frames.append(_flat(obs))
        game.actions.append(int(action))
        game.rewards.append(float(reward))
        game.length = int(info["length"])
        if terminated or truncated:
            game.outcome = "won" if info["won"] else "died" if terminated else "truncated"
        return obs, reward, terminated, truncated, info


def _flat(obs: np.ndarray) -> list[int]:
    return [int(v) for v in obs.ravel()]


def play(env: SnakeEnv, policy: Policy, *, seed: int | None = None) -> GameRecord:
    """Play one game with ``policy`` (observation -> action) and return its record.

    The game always ends: the snake dies, wins, or is truncated for going hungry too long.
    """
    recorder = Recorder(env)
    obs, _ = recorder.reset(seed=seed)
    while True:
        obs, _, terminated, truncated, _ = recorder.step(policy(obs))
        if terminated or truncated:
            return recorder.games[-1]
