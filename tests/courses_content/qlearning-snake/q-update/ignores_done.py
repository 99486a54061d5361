"""Adds the future value even after a terminal step."""

import numpy as np


def q_update(q, state, action, reward, next_state, done, alpha, gamma):
    q = np.array(q, dtype=float)
    q[state, action] += alpha * (reward + gamma * q[next_state].max() - q[state, action])
    return q
