"""Flips the kernel (a mathematician's convolution), unlike deep-learning libraries."""

import numpy as np


def conv2d(image, kernel):
    kernel = np.asarray(kernel, dtype=float)[::-1, ::-1]
    kh, kw = kernel.shape
    oh, ow = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((oh, ow))
    for u in range(kh):
        for v in range(kw):
            out += kernel[u, v] * image[u : u + oh, v : v + ow]
    return out
