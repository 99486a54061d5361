import math


def wilson_interval(right, n, z=1.96):
    """The Wilson interval (low, high) of an accuracy: `right` correct answers out of `n`."""
    p = right / n
    shrink = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / shrink
    half = z / shrink * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half, centre + half)
