import numpy as np


def q_update(q, state, action, reward, next_state, done, alpha, gamma):
    """One Q-learning update of q[state, action]; returns the table."""
    q = np.array(q, dtype=float)
    # TODO: compute the target and move q[state, action] towards it
    return q
