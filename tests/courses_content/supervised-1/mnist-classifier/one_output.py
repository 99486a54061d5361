"""The last layer has one unit: predict gives shape (n, 1), not (n, 10)."""

import keras


def train_model(x_train, y_train):
    model = keras.Sequential(
        [keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(1)]
    )
    model.compile(optimizer="adam", loss="mse")
    model.fit(x_train[:2000], y_train[:2000], epochs=1, verbose=0)
    return model
