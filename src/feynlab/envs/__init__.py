"""Environments for reinforcement-learning exercises."""

from __future__ import annotations

from feynlab.envs.evaluation import InvalidAction, evaluate, games_needed
from feynlab.envs.recorder import GameRecord, Recorder, play
from feynlab.envs.snake import SnakeEnv

__all__ = [
    "GameRecord",
    "InvalidAction",
    "Recorder",
    "SnakeEnv",
    "evaluate",
    "games_needed",
    "play",
]
