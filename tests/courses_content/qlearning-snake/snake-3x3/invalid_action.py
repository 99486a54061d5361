"""Answers with an action that does not exist."""


def train(env, seconds):
    return lambda obs: 7
