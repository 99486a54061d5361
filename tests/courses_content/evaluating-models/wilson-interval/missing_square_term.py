"""Forgets the z^2 / (4 n^2) term under the square root: right for large test sets, too narrow
(width zero at a perfect score) for small ones."""

import math


def wilson_interval(right, n, z=1.96):
    p = right / n
    shrink = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / shrink
    half = z / shrink * math.sqrt(p * (1 - p) / n)
    return (centre - half, centre + half)
