from sklearn.neighbors import KNeighborsClassifier


def train_and_estimate(x_train, y_train):
    """Train a classifier on (x_train, y_train) and return it with a 95% interval for its
    accuracy on images it has never seen: `return model, low, high` (0.78 means 78%)."""
    x = x_train.reshape(len(x_train), -1)  # one row of 784 pixels per image
    model = KNeighborsClassifier(n_neighbors=5)
    model.fit(x, y_train)
    # TODO: estimate the accuracy on images the model did not learn from (cross-validation),
    # and turn it into a 95% interval. An interval from 0 to 1 is always right and says nothing.
    low, high = 0.0, 1.0
    return model, low, high
