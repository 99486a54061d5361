"""Skips the bootstrap: moves Q(s, a) towards the reward alone, never towards gamma * max Q(s', .)."""

import numpy as np


def q_update(q, state, action, reward, next_state, done, alpha, gamma):
    q = np.array(q, dtype=float)
    q[state, action] += alpha * (reward - q[state, action])
    return q
