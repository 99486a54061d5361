"""Skips training: scores each image by its distance to the mean image of every digit."""

import keras
import numpy as np


def train_model(x_train, y_train):
    flat = np.asarray(x_train, dtype=np.float32).reshape(len(x_train), 784)
    means = np.stack([flat[y_train == k].mean(axis=0) for k in range(10)])
    # -|x - m_k|^2 = 2 x.m_k - |m_k|^2 - |x|^2: the last term is the same for every class
    model = keras.Sequential(
        [keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)]
    )
    model.layers[-1].set_weights([2 * means.T, -(means**2).sum(axis=1)])
    return model
