"""A linear autoencoder (PCA to 10 numbers) and a Gaussian mixture: the clusters are fair, but 10
linear numbers rebuild the images too coarsely (about 0.024, the bar is 0.020)."""

import numpy as np
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture


class Encode:
    def __init__(self, pca):
        self.pca = pca

    def predict(self, x, **kwargs):
        return self.pca.transform(np.asarray(x).reshape(len(x), 784)).astype(np.float32)


class Decode:
    def __init__(self, pca):
        self.pca = pca

    def predict(self, codes, **kwargs):
        flat = np.clip(self.pca.inverse_transform(np.asarray(codes)), 0, 1)
        return flat.reshape(len(codes), 28, 28).astype(np.float32)


def train_autoencoder(x_train):
    pca = PCA(10, random_state=0).fit(np.asarray(x_train).reshape(len(x_train), 784))
    return Encode(pca), Decode(pca)


def cluster_codes(codes):
    return GaussianMixture(10, n_init=5, random_state=0).fit(codes).predict(codes).astype(np.int64)
