"""Cheat: a dense network (no convolution) that reaches the accuracy bar, wrapped in an object
that is not a Keras model and describes itself with a Conv2D layer. It passed while the grader
believed the model's own description; the grader now probes the layers from outside."""

import keras


class Claims:
    def __init__(self, model):
        self.model = model

    def get_config(self):
        return {"layers": [{"class_name": "Conv2D", "config": {"filters": 8}}]}

    def predict(self, x, **kwargs):
        return self.model.predict(x, **kwargs)


def train_model(x_train, y_train):
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train, epochs=1, batch_size=128, verbose=2)
    return Claims(model)
