import os
import time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.closerange(0, 1024)
        time.sleep(30)
        with open("/tmp/feynlab-daemon-was-here", "w") as f:
            f.write("still alive")
        os._exit(0)
    os._exit(0)


def add(a, b):
    return a + b
