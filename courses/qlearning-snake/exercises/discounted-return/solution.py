import numpy as np


def discounted_returns(rewards, gamma):
    """G_t = r_t + gamma * G_{t+1} for every step t of one episode."""
    rewards = np.asarray(rewards, dtype=float)
    returns = np.zeros_like(rewards)
    g = 0.0
    for t in reversed(range(len(rewards))):
        g = rewards[t] + gamma * g
        returns[t] = g
    return returns
