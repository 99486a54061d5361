"""Returns the name of a model instead of the model."""


def train_model(x_train, y_train):
    return "Conv2D"
