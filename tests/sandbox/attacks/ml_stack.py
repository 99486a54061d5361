# An ordinary cell: every library of the ML stack, threads, processes, a figure.
import multiprocessing
import tempfile

import keras
import matplotlib.pyplot as plt
import numpy as np
import sklearn.linear_model
import torch

torch.set_num_threads(2)
x = torch.randn(256, 32)
print("torch", float((x @ x.T).trace()) > 0)
rng = np.random.default_rng(0)
xs, ys = rng.normal(size=(200, 4)), rng.integers(0, 2, 200)
print("sklearn", sklearn.linear_model.LogisticRegression().fit(xs, ys).score(xs, ys) > 0.4)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8), keras.layers.Dense(2)])
model.compile("adam", "sparse_categorical_crossentropy")
history = model.fit(xs, ys, epochs=1, verbose=0)
print("keras", len(history.history["loss"]))
plt.plot([1, 2, 3])
plt.savefig(tempfile.mktemp(suffix=".png"))
print("matplotlib ok")
with multiprocessing.Pool(2) as pool:
    print("processes", pool.map(abs, [-1, -2]))
lock = multiprocessing.Lock()  # a POSIX semaphore in /dev/shm
with lock:
    print("semaphore ok")
