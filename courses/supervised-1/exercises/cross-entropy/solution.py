import numpy as np


def cross_entropy(logits, labels):
    """Mean cross-entropy of integer labels under the softmax of the scores."""
    logits = np.asarray(logits, dtype=float)
    labels = np.asarray(labels)
    top = logits.max(axis=1)
    log_sum_exp = top + np.log(np.exp(logits - top[:, None]).sum(axis=1))
    right = logits[np.arange(len(labels)), labels]
    return float((log_sum_exp - right).mean())
