"""Keeps every pixel: the "code" is the image itself (784 numbers, not 10), so nothing is
compressed; the grader asks for exactly 10 numbers per image."""

import numpy as np


class Flatten:
    def predict(self, x, **kwargs):
        return np.asarray(x, dtype=np.float32).reshape(len(x), 784)


def train_autoencoder(x_train):
    return Flatten(), Flatten()


def cluster_codes(codes):
    return (np.asarray(codes).mean(axis=1) * 100 % 10).astype(np.int64)
