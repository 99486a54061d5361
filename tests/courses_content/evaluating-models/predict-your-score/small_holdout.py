"""An honest but imprecise estimate: a tenth of the images held out once, the model trained on
the rest. The interval is right, but from so few images it is too wide to be accepted."""

import math

from sklearn.neighbors import KNeighborsClassifier


def train_and_estimate(x_train, y_train):
    x = x_train.reshape(len(x_train), -1)
    cut = len(x) // 10
    model = KNeighborsClassifier(n_neighbors=5).fit(x[cut:], y_train[cut:])
    p, n = model.score(x[:cut], y_train[:cut]), cut
    half = 1.96 * math.sqrt(p * (1 - p) / n)
    return model, max(0.0, p - half), min(1.0, p + half)
