# The next run: what is in /dev/shm, and can it still use the memory it was promised?
import os

import numpy as np

print("shm:", sorted(os.listdir("/dev/shm")))
ballast = np.ones(1000 * 2**20 // 8)  # 1000 MB, well under the run's 2 GB
print("allocated", ballast.nbytes // 2**20, "MB")
