"""Cheat: a dense model whose get_config claims a Conv2D layer and whose predict is constant."""

import keras
import numpy as np


class Pretender(keras.Sequential):
    def get_config(self):
        return {"layers": [{"class_name": "Conv2D"}]}

    def predict(self, x, **kwargs):
        return np.tile(np.eye(10)[0], (len(x), 1))


def train_model(x_train, y_train):
    return Pretender([keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])
