"""Assumes square kernels: uses the kernel's height for its width too."""

import numpy as np


def conv2d(image, kernel):
    kernel = np.asarray(kernel, dtype=float)
    k = kernel.shape[0]
    oh, ow = image.shape[0] - k + 1, image.shape[1] - k + 1
    out = np.zeros((oh, ow))
    for u in range(k):
        for v in range(min(k, kernel.shape[1])):
            out += kernel[u, v] * image[u : u + oh, v : v + ow]
    return out
