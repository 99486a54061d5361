import numpy as np


def conv2d(image, kernel):
    """Valid 2-D convolution (no kernel flip), output (H - kh + 1, W - kw + 1)."""
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    out_h = image.shape[0] - kernel.shape[0] + 1
    out_w = image.shape[1] - kernel.shape[1] + 1
    out = np.zeros((out_h, out_w))
    # TODO: add up the kernel's weights times the matching slices of the image
    return out
