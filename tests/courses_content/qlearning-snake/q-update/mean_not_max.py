"""Uses the mean of the next values (the value of a random policy) instead of the maximum."""

import numpy as np


def q_update(q, state, action, reward, next_state, done, alpha, gamma):
    q = np.array(q, dtype=float)
    target = reward if done else reward + gamma * q[next_state].mean()
    q[state, action] += alpha * (target - q[state, action])
    return q
