"""Returns its (empty) Q-table instead of a policy."""


def train(env, seconds):
    return {}
