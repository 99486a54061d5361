"""An honest cross-validated estimate, returned in percent (78.0) instead of as a share (0.78)."""

from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier


def train_and_estimate(x_train, y_train):
    x = x_train.reshape(len(x_train), -1)
    model = KNeighborsClassifier(n_neighbors=5)
    accuracy = cross_val_score(model, x, y_train, cv=5).mean()
    model.fit(x, y_train)
    return model, 100 * accuracy - 2, 100 * accuracy + 2
