"""Cheat: ten bins of average brightness, dressed up as an autoencoder (the code says which bin,
the "decoder" gives back the bin's mean image); far from both bars."""

import numpy as np


def brightness(x):
    return np.asarray(x, dtype=np.float32).reshape(len(x), 784).mean(axis=1)


class Bins:
    def __init__(self, x_train):
        b = brightness(x_train)
        self.edges = np.quantile(b, np.linspace(0, 1, 11)[1:-1])
        flat = np.asarray(x_train, dtype=np.float32).reshape(len(x_train), 784)
        self.means = np.stack(
            [flat[np.searchsorted(self.edges, b) == k].mean(0) for k in range(10)]
        )

    def predict(self, x, **kwargs):
        return np.eye(10, dtype=np.float32)[np.searchsorted(self.edges, brightness(x))]


class BinMean:
    def __init__(self, bins):
        self.bins = bins

    def predict(self, codes, **kwargs):
        return self.bins.means[np.asarray(codes).argmax(axis=1)].reshape(len(codes), 28, 28)


def train_autoencoder(x_train):
    bins = Bins(x_train)
    return bins, BinMean(bins)


def cluster_codes(codes):
    return np.asarray(codes).argmax(axis=1).astype(np.int64)
