"""Hidden cases for conv2d(image, kernel): Sobel, Gaussian, asymmetric and large inputs."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from feynlab.grading.result import cases_result, check_array


def reference(image, kernel):
    return np.einsum("ijuv,uv->ij", sliding_window_view(image, kernel.shape), kernel)


def cases():
    rng = np.random.default_rng(20260605)
    sobel = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    u = np.arange(-2, 3)
    gauss = np.exp(-(u[:, None] ** 2 + u[None, :] ** 2) / 2.0)
    yield (
        "a 3x3 image and a 2x2 kernel",
        np.arange(9.0).reshape(3, 3),
        np.array([[1.0, 0.0], [0.0, -1.0]]),
    )
    yield (
        "a kernel that picks the right-hand neighbour (no flip)",
        np.arange(12.0).reshape(3, 4),
        np.array([[0.0, 1.0]]),
    )
    yield "Sobel on a vertical edge", np.repeat([[0.0] * 4 + [1.0] * 4], 6, axis=0), sobel
    yield "Gaussian 5x5 on random pixels", rng.random((28, 28)), gauss / gauss.sum()
    yield "a non-square kernel (2x5)", rng.normal(size=(10, 12)), rng.normal(size=(2, 5))
    yield "a kernel as large as the image", rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    yield "a 256x256 image", rng.random((256, 256)), rng.normal(size=(7, 7))


def grade(judge):
    results = []
    for name, image, kernel in cases():
        got = judge.call("conv2d", image.copy(), kernel.copy())
        want = reference(image, kernel)
        problem = check_array(got, name="conv2d", shape=want.shape, kind="f")
        if problem is None and not np.allclose(got, want, rtol=1e-7, atol=1e-9):
            problem = f"`conv2d` gave wrong values for {name}"
            if want.size <= 6:
                problem += f": expected {want.tolist()}, got {np.round(got, 6).tolist()}"
            if np.allclose(got, reference(image, kernel[::-1, ::-1])):
                problem += ". It looks like you flipped the kernel; do not flip it"
            problem += "."
        results.append((name, problem))
    return cases_result(results)
