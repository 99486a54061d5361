import numpy as np


def cross_entropy(logits, labels):
    """Mean cross-entropy of integer labels under the softmax of the scores."""
    logits = np.asarray(logits, dtype=float)
    labels = np.asarray(labels)
    # TODO: log-sum-exp of each row minus the score of the right class, averaged
    return 0.0
