import numpy as np


def cluster_images(x_train, x_test):
    """Group the test images into 10 clusters, without labels; return one id (0-9) per image."""
    # TODO: learn a compact representation of the images (an autoencoder's codes),
    # then cluster the codes of x_test into 10 groups
    return np.zeros(len(x_test), dtype=np.int64)
