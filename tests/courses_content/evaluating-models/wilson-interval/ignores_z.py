"""Always the 95% interval: `z` is accepted and ignored."""

import math


def wilson_interval(right, n, z=1.96):
    z95 = 1.96
    p = right / n
    shrink = 1 + z95 * z95 / n
    centre = (p + z95 * z95 / (2 * n)) / shrink
    half = z95 / shrink * math.sqrt(p * (1 - p) / n + z95 * z95 / (4 * n * n))
    return (centre - half, centre + half)
