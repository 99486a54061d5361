"""Walks forwards in time: discounts the past instead of the future."""

import numpy as np


def discounted_returns(rewards, gamma):
    out, g = [], 0.0
    for r in np.asarray(rewards, dtype=float):
        g = r + gamma * g
        out.append(g)
    return np.array(out)
