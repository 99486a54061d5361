"""Snake on a small square board, with the Gymnasium API but without depending on Gymnasium.

Rules: the snake starts as one segment on a random cell, with food on another random cell.
Each step it moves its head one cell (0 up, 1 right, 2 down, 3 left). Entering the food cell
makes it grow by one; otherwise its tail moves along. It dies when its head leaves the board or
enters a cell its body still occupies after the tail has moved. It wins when it fills the
board. An episode is truncated after ``max_steps_without_food`` steps without eating.

Observation: a ``(size, size)`` int8 grid; 0 is empty, -1 is the food, and the body's cells hold
1 (the head), 2, ..., k (the tail). It describes the board completely, body order included, so
``obs.tobytes()`` is a valid key for a Q-table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3
ACTION_NAMES = ("up", "right", "down", "left")
FOOD = -1
EAT_REWARD = 1.0
DEATH_REWARD = -1.0
MAX_SIZE = 11  # body numbers must fit in int8


@dataclass(frozen=True)
class Discrete:
    """A finite set of actions ``0..n-1`` (Gymnasium's ``Discrete``, minus the dependency)."""

    n: int

    def sample(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.n))

    def contains(self, x: object) -> bool:
        return isinstance(x, int | np.integer) and 0 <= int(x) < self.n


@dataclass(frozen=True)
class Box:
    """Integer arrays of a fixed shape with values in ``[low, high]``."""

    low: int
    high: int
    shape: tuple[int, ...]
    dtype: type = np.int8

    def contains(self, x: object) -> bool:
        return (
            isinstance(x, np.ndarray)
            and x.shape == self.shape
            and bool(((x >= self.low) & (x <= self.high)).all())
        )


class SnakeEnv:
    """Snake with ``reset(seed=None) -> (obs, info)`` and ``step(action) -> (obs, reward,
    terminated, truncated, info)``; see the module docstring for the rules."""

    def __init__(
        self, size: int = 3, *, max_steps_without_food: int | None = None, seed: int | None = None
    ) -> None:
        if not 2 <= size <= MAX_SIZE:
            raise ValueError(f"size must be between 2 and {MAX_SIZE}, got {size}")
        self.size = size
        self.max_steps_without_food = max_steps_without_food or 4 * size * size
        self.action_space = Discrete(4)
        self.observation_space = Box(FOOD, size * size, (size, size))
        self._rng = np.random.default_rng(seed)
        self._body: list[int] = []  # flat cell indices, head first
        self._food = -1
        self._steps = 0
        self._hunger = 0
        self._done = True
        self._won = False

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start a new game; a seed makes it (and the food that follows) reproducible."""
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        cells = self.size * self.size
        head = int(self._rng.integers(cells))
        self._body = [head]
        self._food = self._place_food()
        self._steps = self._hunger = 0
        self._done = self._won = False
        return self._observe(), self._info()

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if self._done:
            raise RuntimeError("the game is over: call reset() before step()")
        if not self.action_space.contains(action):
            raise ValueError(f"action must be 0 (up), 1 (right), 2 (down) or 3 (left): {action!r}")
        self._steps += 1
        self._hunger += 1
        head = self._body[0]
        row, col = divmod(head, self.size)
        a = int(action)
        row += (a == DOWN) - (a == UP)
        col += (a == RIGHT) - (a == LEFT)
        if not (0 <= row < self.size and 0 <= col < self.size):
            return self._end(DEATH_REWARD)
        new_head = row * self.size + col
        eats = new_head == self._food
        # the tail moves away this step unless the snake grows, so its cell is free to enter
        occupied = self._body if eats else self._body[:-1]
        if new_head in occupied:
            return self._end(DEATH_REWARD)
        self._body.insert(0, new_head)
        if not eats:
            self._body.pop()
            truncated = self._hunger >= self.max_steps_without_food
            self._done = truncated
            return self._observe(), 0.0, False, truncated, self._info()
        self._hunger = 0
        if len(self._body) == self.size * self.size:
            self._food = -1
            self._won = True
            return self._end(EAT_REWARD)
        self._food = self._place_food()
        return self._observe(), EAT_REWARD, False, False, self._info()

    def _end(self, reward: float) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        self._done = True
        return self._observe(), reward, True, False, self._info()

    def _place_food(self) -> int:
        body = set(self._body)
        free = [cell for cell in range(self.size * self.size) if cell not in body]
        return free[int(self._rng.integers(len(free)))]

    def _observe(self) -> np.ndarray:
        grid = np.zeros(self.size * self.size, dtype=np.int8)
        for number, cell in enumerate(self._body, start=1):
            grid[cell] = number
        if self._food >= 0:
            grid[self._food] = FOOD
        return grid.reshape(self.size, self.size)

    def _info(self) -> dict[str, Any]:
        return {
            "length": len(self._body),
            "steps": self._steps,
            "steps_without_food": self._hunger,
            "won": self._won,
        }

    def render(self) -> str:
        """The board as text: ``H`` head, ``o`` body, ``*`` food, ``.`` empty."""
        symbols = {0: ".", FOOD: "*", 1: "H"}
        grid = self._observe()
        return "\n".join("".join(symbols.get(int(v), "o") for v in row) for row in grid)
