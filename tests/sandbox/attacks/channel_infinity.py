# A raw frame on the judge's socket (fd 3): a progress event whose epoch is Infinity.
import os
import struct
import time

header = b'{"kind":"event","event":{"type":"progress","epoch":Infinity,"logs":{}},"buffers":[]}'
os.write(3, struct.pack(">IQ", len(header), 0) + header)
time.sleep(60)


def add(a, b):
    return a + b
