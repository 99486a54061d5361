# A raw frame on the judge's socket (fd 3): a progress event with a 400-digit number.
import os
import struct
import time

big = "9" * 400
header = (
    '{"kind":"event","event":{"type":"progress","epoch":1,"logs":{"loss":' + big + "}},"
    '"buffers":[]}'
).encode()
os.write(3, struct.pack(">IQ", len(header), 0) + header)
time.sleep(60)


def add(a, b):
    return a + b
