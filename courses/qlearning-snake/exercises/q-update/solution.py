import numpy as np


def q_update(q, state, action, reward, next_state, done, alpha, gamma):
    """One Q-learning update of q[state, action]; returns the table."""
    q = np.array(q, dtype=float)
    target = reward if done else reward + gamma * q[next_state].max()
    q[state, action] += alpha * (target - q[state, action])
    return q
