# A frame on the judge's socket (fd 3) that announces 511 MB of data and never sends it.
import os
import struct
import time

header = b'{"kind":"event","event":{"type":"figure"},"buffers":[535822336]}'
os.write(3, struct.pack(">IQ", len(header), 535822336) + header)
time.sleep(60)


def add(a, b):
    return a + b
