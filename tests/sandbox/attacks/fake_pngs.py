# Sends 25 fake 2 MB "PNGs" (the right first 8 bytes, then noise) through the harness.
import os

from feynlab.sandbox import harness

for _ in range(25):
    data = b"\x89PNG\r\n\x1a\n" + os.urandom(2 * 1024 * 1024 - 8)
    harness.HARNESS.event(
        {"type": "figure", "format": "png", "width": 1, "height": 1}, [memoryview(data)]
    )
print("sent")


def add(a, b):
    return a + b
