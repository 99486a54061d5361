"""The Wilson interval in percent (85.0) instead of as a share (0.85)."""

import math


def wilson_interval(right, n, z=1.96):
    p = right / n
    shrink = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / shrink
    half = z / shrink * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (100 * (centre - half), 100 * (centre + half))
