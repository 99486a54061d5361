# Sends progress events through the platform's own harness as fast as it can for 10 s.
import time

from feynlab.sandbox import harness

end = time.monotonic() + 10
epoch = 0
while time.monotonic() < end:
    epoch += 1
    logs = {f"metric_{i}_" + "x" * 50: float(i) for i in range(32)}
    harness.HARNESS.event({"type": "progress", "epoch": epoch, "batch": None, "logs": logs})
print("flooded", epoch)


def add(a, b):
    return a + b
