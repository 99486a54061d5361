"""Skips the future: each step's return is only its own reward, G_t = r_t."""

import numpy as np


def discounted_returns(rewards, gamma):
    return np.asarray(rewards, dtype=float).copy()
