"""Reference: a nearest-neighbour classifier; every training image is used once for validation
(10-fold cross-validation), the Wilson interval of that accuracy is the claim, and the model
returned is refitted on all the images."""

import math

from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.neighbors import KNeighborsClassifier


def wilson(right, n, z=1.96):
    p = right / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def train_and_estimate(x_train, y_train):
    x = x_train.reshape(len(x_train), -1)
    model = KNeighborsClassifier(n_neighbors=5)
    folds = StratifiedKFold(n_splits=10, shuffle=True, random_state=0)
    guessed = cross_val_predict(model, x, y_train, cv=folds)
    low, high = wilson(int((guessed == y_train).sum()), len(y_train))
    model.fit(x, y_train)
    return model, low, high
