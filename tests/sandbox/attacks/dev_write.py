# Try to leave something in /dev, outside /dev/shm.
import os

for attempt in (
    lambda: open("/dev/feynlab-pwned", "w").write("x"),
    lambda: os.mkdir("/dev/feynlab-pwned-dir"),
    lambda: os.symlink("/etc", "/dev/feynlab-pwned-link"),
    lambda: os.rename("/dev/null", "/dev/feynlab-null"),
):
    try:
        attempt()
        print("written")
    except OSError as exc:
        print("refused:", exc.strerror)
