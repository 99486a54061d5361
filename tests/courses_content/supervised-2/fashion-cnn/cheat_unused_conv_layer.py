"""Cheat: a Keras model that holds a Conv2D layer for show while its predictions come from a
dense network trained beside it: the layers it lists are not what computes its answers."""

import keras

TRAINED = []  # the dense network that really answers


class Showcase(keras.Sequential):
    def predict(self, x, **kwargs):
        return TRAINED[0].predict(x, **kwargs)


def train_model(x_train, y_train):
    dense = keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    dense.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    dense.fit(x_train, y_train, epochs=1, batch_size=128, verbose=2)
    shown = Showcase(
        [
            keras.Input(shape=(28, 28)),
            keras.layers.Reshape((28, 28, 1)),
            keras.layers.Conv2D(4, 3),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    TRAINED.append(dense)
    return shown
