"""Numbers its clusters 1 to 10 instead of 0 to 9."""

import numpy as np
from sklearn.cluster import MiniBatchKMeans


def cluster_images(x_train, x_test):
    flat = x_test.reshape(len(x_test), -1)
    return MiniBatchKMeans(10, n_init=1, random_state=0).fit_predict(flat).astype(np.int64) + 1
