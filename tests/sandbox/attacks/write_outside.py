import os

TARGETS = [
    "/root/feynlab-pwned",
    "/tmp/feynlab-pwned",
    "/work/main/feynlab-pwned",
    "/work/main/src/feynlab-pwned",
    "/data/feynlab-pwned",
    "/etc/feynlab-pwned",
    "/usr/feynlab-pwned",
    os.path.expanduser("~/../feynlab-pwned"),
]
for path in TARGETS:
    try:
        with open(path, "w") as f:
            f.write("pwned")
    except OSError:
        pass


def add(a, b):
    return a + b
