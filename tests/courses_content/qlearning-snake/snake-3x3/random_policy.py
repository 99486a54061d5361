"""Does not learn: a random policy, which almost never fills the board."""

import random


def train(env, seconds):
    return lambda obs: random.randrange(4)
