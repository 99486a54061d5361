"""Hidden cases for conv2d(image, kernel): Sobel, Gaussian, asymmetric and large inputs, and one
large image with a time bound, so that a Python loop over the pixels fails and says why.

The bound is measured in the same grading, on the same machine: the larger of FLOOR_S and
RATIO times a whole-array NumPy convolution of the same image here (the median of three runs,
measured again after a slow call, so a loaded machine raises the bound rather than failing a
vectorised solution). A per-pixel loop is about 300 times slower than that NumPy run."""

import time

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


TIMED = 720  # the timed image is TIMED x TIMED, its kernel 3x3
FLOOR_S, RATIO = 0.5, 20.0


def by_kernel_positions(image, kernel):
    """The hinted whole-array way (one slice per kernel position): the speed to keep up with."""
    kh, kw = kernel.shape
    out_h, out_w = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((out_h, out_w))
    for u in range(kh):
        for v in range(kw):
            out += kernel[u, v] * image[u : u + out_h, v : v + out_w]
    return out


def numpy_time(image, kernel):
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        by_kernel_positions(image, kernel)
        runs.append(time.perf_counter() - started)
    return sorted(runs)[1]


def timed_case(judge):
    """Right values on a large image, within the bound measured here (see the docstring)."""
    rng = np.random.default_rng(20260606)
    image, kernel = rng.random((TIMED, TIMED)), rng.normal(size=(3, 3))
    bound = max(FLOOR_S, RATIO * numpy_time(image, kernel))
    started = time.perf_counter()
    got = judge.call("conv2d", image, kernel)
    took = time.perf_counter() - started
    want = reference(image, kernel)
    problem = check_array(got, name="conv2d", shape=want.shape, kind="f")
    if problem is not None:
        return problem
    if not np.allclose(got, want, rtol=1e-7, atol=1e-9):
        return f"`conv2d` gave wrong values for a {TIMED}x{TIMED} image."
    if took > bound:  # measure again: the machine may have been busier during the call
        bound = max(bound, RATIO * numpy_time(image, kernel))
    if took > bound:
        return (
            f"correct, but took {took:.1f} s on a {TIMED}x{TIMED} image: the bound is "
            f"{bound:.1f} s (at least {FLOOR_S:g} s, more when this machine is busy: {RATIO:g} "
            "times what whole-array NumPy needs on it right now); use "
            "NumPy operations over whole arrays instead of Python loops (loop over the "
            "kernel's few positions, not over every pixel)."
        )
    return None


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
    results.append((f"a large image ({TIMED}x{TIMED}), timed", timed_case(judge)))
    return cases_result(results)
