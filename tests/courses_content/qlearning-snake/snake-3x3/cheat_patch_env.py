"""Cheat: rewrites SnakeEnv inside the sandbox to always win; the grader's copy is untouched."""

import random

from feynlab.envs import snake


def train(env, seconds):
    def always_win(self, action):
        return self._observe(), 1.0, True, False, {"won": True, "length": 9}

    snake.SnakeEnv.step = always_win
    return lambda obs: random.randrange(4)
