import math


def wilson_interval(right, n, z=1.96):
    """The Wilson interval (low, high) of an accuracy: `right` correct answers out of `n`."""
    p = right / n
    # TODO: this is the normal (Wald) interval, which breaks near 0% and 100%.
    # Replace it with the Wilson interval of the lesson.
    half = z * math.sqrt(p * (1 - p) / n)
    return (p - half, p + half)
