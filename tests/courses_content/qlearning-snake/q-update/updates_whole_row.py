"""Moves every action's value of the state, not only the action taken."""

import numpy as np


def q_update(q, state, action, reward, next_state, done, alpha, gamma):
    q = np.array(q, dtype=float)
    target = reward if done else reward + gamma * q[next_state].max()
    q[state] += alpha * (target - q[state, action])
    return q
