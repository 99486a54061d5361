"""Returns an array (the training labels) instead of the model."""


def train_model(x_train, y_train):
    return y_train
