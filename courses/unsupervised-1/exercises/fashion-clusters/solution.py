"""Reference solution: a dense autoencoder squeezes each image into 10 numbers and rebuilds it;
a Gaussian mixture then groups the codes into 10 clusters."""

import keras
import numpy as np
from sklearn.mixture import GaussianMixture

CODE_SIZE = 10


def train_autoencoder(x_train):
    encoder = keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(CODE_SIZE),
        ]
    )
    decoder = keras.Sequential(
        [
            keras.Input(shape=(CODE_SIZE,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(784, activation="sigmoid"),
            keras.layers.Reshape((28, 28)),
        ]
    )
    autoencoder = keras.Sequential([encoder, decoder])
    autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
    autoencoder.fit(x_train, x_train, epochs=5, batch_size=256, verbose=2)
    return encoder, decoder


def cluster_codes(codes):
    # a full-covariance mixture lets clusters be stretched ellipses, not only round blobs;
    # several starts keep the best one and make the result steadier
    mixture = GaussianMixture(n_components=10, n_init=5, random_state=0).fit(codes)
    return mixture.predict(codes).astype(np.int64)
