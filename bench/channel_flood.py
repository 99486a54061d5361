"""Grader-side memory under a flood of the judge's channel (issue 13, item 6).

Runs hostile cells that write raw frames on the judge's socket and prints, per attack, the
trusted process's peak resident memory above what it held before the run (VmHWM after resetting
it through /proc/self/clear_refs), the run's status and how long it took.
Usage: python bench/channel_flood.py [--wall-s 10]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from feynlab.grading.runner import Runner

ATTACKS = Path(__file__).resolve().parents[1] / "tests" / "sandbox" / "attacks"

REPLY_FLOOD = """
import os, struct
size = 60 * 1024 * 1024
header = ('{"kind":"reply","ok":true,"buffers":[' + str(size) + ']}').encode()
block = b"\\0" * (4 * 1024 * 1024)
try:
    while True:
        os.write(3, struct.pack(">IQ", len(header), size) + header)
        for _ in range(size // len(block)):
            os.write(3, block)
except OSError:
    pass
"""

CELLS = {
    "announce 511 MB, send nothing": (ATTACKS / "channel_announce.py").read_text(),
    "flood of 500 MB frames": (ATTACKS / "channel_flood.py").read_text(),
    "flood of 60 MB replies": REPLY_FLOOD,
}


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--wall-s", type=float, default=10.0)
    args = parser.parse_args()
    with Runner(workers=1) as runner:
        runner.sandbox.warm()
        runner.run_code(code="print('warm')")
        print(f"{'attack':34} {'peak above baseline':>20} {'status':>8} {'took':>7}")
        for name, code in CELLS.items():
            Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
            baseline = _status_kb("VmRSS")
            started = time.monotonic()
            result = runner.run_code(code=code, limits={"wall_s": args.wall_s})
            took = time.monotonic() - started
            peak = (_status_kb("VmHWM") - baseline) / 1024
            print(f"{name:34} {peak:17.0f} MB {result.status:>8} {took:6.1f}s")


if __name__ == "__main__":
    main()
