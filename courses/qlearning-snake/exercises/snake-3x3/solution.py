"""Reference solution: tabular Q-learning with epsilon-greedy exploration."""

import random
import time

import numpy as np

MOVES = ((-1, 0), (0, 1), (1, 0), (0, -1))  # up, right, down, left


def safe_action(obs):
    """A move that neither leaves the board nor bites the body (used for unseen boards)."""
    size = obs.shape[0]
    row, col = np.argwhere(obs == 1)[0]
    tail = obs.max()
    for action, (dr, dc) in enumerate(MOVES):
        r, c = row + dr, col + dc
        if 0 <= r < size and 0 <= c < size and (obs[r, c] <= 0 or obs[r, c] == tail):
            return action
    return 0


class GreedyPolicy:
    """Plays the action with the highest learned value for the current board."""

    def __init__(self, table):
        self.table = table

    def __call__(self, obs):
        values = self.table.get(obs.tobytes())
        if values is None:
            return safe_action(obs)
        return max(range(4), key=values.__getitem__)


def train(env, seconds):
    alpha, gamma, win_bonus = 0.25, 0.95, 5.0
    deadline = time.monotonic() + 0.9 * seconds
    start = time.monotonic()
    table = {}
    obs, _ = env.reset()
    key = obs.tobytes()
    steps = 0
    epsilon = 0.2
    while True:
        if steps % 2000 == 0:
            now = time.monotonic()
            if now >= deadline:
                break
            # explore a lot at first, then less and less
            epsilon = 0.2 * (1 - (now - start) / (deadline - start)) + 0.01
        steps += 1
        values = table.get(key)
        if values is None:
            values = table[key] = [0.0, 0.0, 0.0, 0.0]
        if random.random() < epsilon:
            action = random.randrange(4)
        else:
            action = max(range(4), key=values.__getitem__)
        obs, reward, terminated, truncated, info = env.step(action)
        if info["won"]:
            reward += win_bonus
        next_key = obs.tobytes()
        if terminated:
            target = reward
        else:
            following = table.get(next_key)
            target = reward + gamma * (max(following) if following else 0.0)
        values[action] += alpha * (target - values[action])
        if terminated or truncated:
            obs, _ = env.reset()
            next_key = obs.tobytes()
        key = next_key
    return GreedyPolicy(table)
