# add() returns an empty array with an enormous second dimension.
import numpy as np


def add(a, b):
    return np.empty((0, 2**40))
