"""Reference solution: a dense autoencoder squeezes each image into 10 numbers, then a Gaussian
mixture groups the codes of the test images into 10 clusters."""

import keras
import numpy as np
from sklearn.mixture import GaussianMixture


def build_autoencoder(code_size=10):
    image = keras.Input(shape=(784,))
    h = keras.layers.Dense(256, activation="relu")(image)
    h = keras.layers.Dense(64, activation="relu")(h)
    code = keras.layers.Dense(code_size, name="code")(h)
    h = keras.layers.Dense(64, activation="relu")(code)
    h = keras.layers.Dense(256, activation="relu")(h)
    restored = keras.layers.Dense(784, activation="sigmoid")(h)
    return keras.Model(image, restored), keras.Model(image, code)


def cluster_images(x_train, x_test):
    x_train = x_train.reshape(len(x_train), 784)
    x_test = x_test.reshape(len(x_test), 784)
    autoencoder, encoder = build_autoencoder()
    autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
    autoencoder.fit(x_train, x_train, epochs=5, batch_size=256, verbose=2)
    codes = encoder.predict(x_test, batch_size=1000, verbose=0)
    # a full-covariance mixture lets clusters be stretched ellipses, not only round blobs;
    # several starts keep the best one and make the result steadier
    mixture = GaussianMixture(n_components=10, n_init=5, random_state=0).fit(codes)
    return mixture.predict(codes).astype(np.int64)
