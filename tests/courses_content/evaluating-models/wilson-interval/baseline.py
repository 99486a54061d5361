"""Skips Wilson's correction: the normal (Wald) interval, which collapses to [1, 1] at a
perfect score and spills outside [0, 1] on tiny test sets."""

import math


def wilson_interval(right, n, z=1.96):
    p = right / n
    half = z * math.sqrt(p * (1 - p) / n)
    return (p - half, p + half)
