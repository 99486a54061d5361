"""Ignores gamma: sums the rewards still to come."""

import numpy as np


def discounted_returns(rewards, gamma):
    return np.cumsum(np.asarray(rewards, dtype=float)[::-1])[::-1].copy()
