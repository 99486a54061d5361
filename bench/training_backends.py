"""Training time on one core of the reference solutions, per Keras backend (issue 17 item 1).

Trains the reference solutions of supervised-1/mnist-classifier, supervised-2/fashion-cnn,
unsupervised-1/fashion-clusters and qlearning-snake/snake-3x3, and the Keras documentation's
MNIST convnet example (Conv2D 32, MaxPool, Conv2D 64, MaxPool, Flatten, Dropout, Dense 10; one
epoch, batch 128, validation_split 0.1), each in a fresh process pinned to one core with every
thread pool set to one thread, under:
  torch eager   - the platform today: KERAS_BACKEND=torch, compile() as the code wrote it;
  torch jit     - the same, with jit_compile=True forced into every compile() (torch.compile);
  torch dynamo  - jit_compile=True with torch.compile's "aot_eager" backend: TorchDynamo traces
                  Keras's train step into one graph (no Python per layer per step) and runs
                  it with eager kernels, without Inductor's C++ code generation;
  jax xla       - KERAS_BACKEND=jax (XLA compiles each train step; jit_compile defaults to on),
                  from a separate virtual environment under var/bench-jax (jax[cpu] pinned
                  below; never the app's .venv). Installed from the registry on first use.
Rounds are interleaved (every configuration once per round). Prints, per model and backend,
the median CPU seconds of training (what the sandbox's cpu_s limit counts) and wall seconds,
the ratio to torch eager, the model's test accuracy as a sanity check, and, per backend, what
`import keras` leaves in a process before any training (threads, an initialised XLA client):
a zygote imports Keras and then forks, so that must stay a single thread.
Usage: python bench/training_backends.py [--rounds N] [--models a,b] [--configs a,b] [--core N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APP_PYTHON = str(Path(sys.executable))
JAX_ENV = REPO / "var" / "bench-jax" / "venv"
# Python 3.11: jax 0.10.2 is the newest release for it (0.11+ needs 3.12).
JAX_PINS = ["jax[cpu]==0.10.2", "keras==3.15.1", "numpy==2.4.6", "scikit-learn==1.9.1"]
MODELS = ["mnist-classifier", "fashion-cnn", "fashion-clusters", "keras-mnist-convnet", "snake-3x3"]
CONFIGS = ["torch eager", "torch jit", "torch dynamo", "jax xla"]
SOLUTIONS = {
    "mnist-classifier": REPO / "courses/supervised-1/exercises/mnist-classifier/solution.py",
    "fashion-cnn": REPO / "courses/supervised-2/exercises/fashion-cnn/solution.py",
    "fashion-clusters": REPO / "courses/unsupervised-1/exercises/fashion-clusters/solution.py",
    "snake-3x3": REPO / "courses/qlearning-snake/exercises/snake-3x3/solution.py",
}
DATASET = {
    "mnist-classifier": "mnist",
    "keras-mnist-convnet": "mnist",
    "fashion-cnn": "fashion-mnist",
    "fashion-clusters": "fashion-mnist",
}
SNAKE_SECONDS = 5.0
KERAS_CONVNET = '''
import keras
import numpy as np


def train_model(x_train, y_train):
    """The Keras documentation's "Simple MNIST convnet", one epoch instead of 15."""
    x_train = np.expand_dims(x_train, -1)
    y_train = keras.utils.to_categorical(y_train, 10)
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            keras.layers.MaxPooling2D(pool_size=(2, 2)),
            keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            keras.layers.MaxPooling2D(pool_size=(2, 2)),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=128, epochs=1, validation_split=0.1, verbose=2)
    return model
'''

# Runs in the measured process (app venv or the JAX venv): one core, one thread everywhere.
CHILD = textwrap.dedent(
    r"""
    import json, os, resource, sys, threading, time
    os.sched_setaffinity(0, {int(os.environ["BENCH_CORE"])})
    spec = json.loads(sys.argv[1])

    def threads():
        return len(os.listdir("/proc/self/task"))

    def cpu():
        # this process's CPU seconds (all threads) and its waited-for children's (the C++
        # compiler that torch.compile runs)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime

    t0 = time.perf_counter()
    import numpy as np
    report = {}
    if spec["model"] != "snake-3x3":
        import keras
        report["import_s"] = time.perf_counter() - t0
        report["threads_after_import"] = threads()
        if os.environ["KERAS_BACKEND"] == "jax":
            from jax._src import xla_bridge
            report["xla_client_at_import"] = bool(xla_bridge._backends)
        else:
            import torch
            torch.set_num_threads(1)
            torch.set_num_interop_threads(1)
        if spec["jit"]:
            compile_ = keras.Model.compile
            def compile_jit(self, *args, **kwargs):
                kwargs["jit_compile"] = True
                return compile_(self, *args, **kwargs)
            keras.Model.compile = compile_jit
        if spec["jit"] == "aot_eager":  # the trainer's torch.compile, with that backend
            import types
            import keras.src.backend.torch.trainer as trainer
            torch_compile = torch.compile
            trainer.torch = types.SimpleNamespace(**{
                name: getattr(torch, name) for name in dir(torch) if name != "compile"
            })
            trainer.torch.compile = lambda fn, **kw: torch_compile(fn, backend="aot_eager", **kw)
        keras.utils.set_random_seed(0)
    namespace = {"__name__": "solution"}
    exec(compile(open(spec["solution"]).read(), spec["solution"], "exec"), namespace)
    if spec["model"] == "snake-3x3":
        sys.path.insert(0, spec["src"])
        from feynlab.envs import SnakeEnv
        class Counting(SnakeEnv):
            steps = 0
            def step(self, action):
                Counting.steps += 1
                return super().step(action)
        c0, w0 = cpu(), time.perf_counter()
        namespace["train"](Counting(3, seed=0), spec["snake_s"])
        report.update(cpu_s=cpu() - c0, wall_s=time.perf_counter() - w0,
                      steps_per_s=Counting.steps / (time.perf_counter() - w0))
    else:
        data = {k: np.load(v, mmap_mode="r") for k, v in spec["data"].items()}
        x = np.asarray(data["x_train"], dtype=np.float32)
        y = np.asarray(data["y_train"], dtype=np.int64)
        x_test = np.asarray(data["x_test"][:8000], dtype=np.float32) / np.float32(255)
        y_test = np.asarray(data["y_test"][:8000], dtype=np.int64)
        c0, w0 = cpu(), time.perf_counter()
        if spec["model"] == "fashion-clusters":
            # the reworked exercise (issue 15): an autoencoder's two halves, then its codes grouped
            encoder, _decoder = namespace["train_autoencoder"](x)
            clusters = namespace["cluster_codes"](encoder.predict(x_test, verbose=0))
            report.update(cpu_s=cpu() - c0, wall_s=time.perf_counter() - w0)
            counts = np.zeros((10, 10), dtype=np.int64)
            np.add.at(counts, (clusters, y_test), 1)
            from scipy.optimize import linear_sum_assignment
            rows, cols = linear_sum_assignment(counts, maximize=True)
            report["accuracy"] = float(counts[rows, cols].sum() / len(y_test))
        else:
            model = namespace["train_model"](x, y)
            report.update(cpu_s=cpu() - c0, wall_s=time.perf_counter() - w0)
            scores = np.asarray(model.predict(x_test, batch_size=1000, verbose=0))
            report["accuracy"] = float((scores.argmax(axis=1) == y_test).mean())
    report["threads_at_end"] = threads()
    print("BENCH-RESULT " + json.dumps(report))
    """
)


def data_files() -> dict[str, dict[str, str]]:
    from feynlab.datasets import service
    from feynlab.settings import Settings

    data_dir = Settings(env="test", secret_key="bench-secret-key-0123456789").data_dir
    files = {}
    for name in ("mnist", "fashion-mnist"):
        files[name] = {
            "x_train": str(service._existing(data_dir, name, service.SCALED_TRAIN)),
            "y_train": str(service._existing(data_dir, name, "y_train")),
            "x_test": str(service._existing(data_dir, name, "x_test")),
            "y_test": str(service._existing(data_dir, name, "y_test")),
        }
    return files


def jax_python() -> str:
    """The JAX venv's interpreter, created and filled from the registry when missing."""
    python = JAX_ENV / "bin" / "python"
    marker = JAX_ENV / ".installed"
    if not marker.is_file() or marker.read_text() != " ".join(JAX_PINS):
        print(f"installing {' '.join(JAX_PINS)} into {JAX_ENV} (once)", flush=True)
        if not python.exists():
            subprocess.run(["python3", "-m", "venv", str(JAX_ENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", *JAX_PINS],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        marker.write_text(" ".join(JAX_PINS))
    return str(python)


def run_one(model: str, config: str, files: dict, args: argparse.Namespace, tmp: Path) -> dict:
    if model == "keras-mnist-convnet":
        solution = tmp / "keras_mnist_convnet.py"
        solution.write_text(KERAS_CONVNET)
    else:
        solution = SOLUTIONS[model]
    spec = {
        "model": model,
        "solution": str(solution),
        "jit": {"torch jit": "inductor", "torch dynamo": "aot_eager"}.get(config, ""),
        "data": files.get(DATASET.get(model, ""), {}),
        "src": str(REPO / "src"),
        "snake_s": SNAKE_SECONDS,
    }
    one = "1"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("FEYNLAB_", "XLA_", "JAX_"))},
        "KERAS_BACKEND": "jax" if config.startswith("jax") else "torch",
        "BENCH_CORE": str(args.core),
        "OMP_NUM_THREADS": one,
        "MKL_NUM_THREADS": one,
        "OPENBLAS_NUM_THREADS": one,
        "TF_CPP_MIN_LOG_LEVEL": "2",
        # torch.compile (Inductor) compiles in a pool of worker processes unless told not to
        "TORCHINDUCTOR_COMPILE_THREADS": one,
        # XLA's CPU client: no Eigen thread pool, one intra-op thread
        "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    }
    python = args.jax_python if config.startswith("jax") else APP_PYTHON
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            ["nice", "-n", "10", python, "-c", CHILD, json.dumps(spec)],
            env=env,
            capture_output=True,
            text=True,
            timeout=args.timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {args.timeout} s"}
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            result = json.loads(line.removeprefix("BENCH-RESULT "))
            result["process_s"] = time.perf_counter() - started
            return dict(result)
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {"error": " | ".join(tail)[:300]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--core", type=int, default=0, help="the core every run is pinned to")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per training run")
    args = parser.parse_args()
    models = args.models.split(",")
    configs = args.configs.split(",")
    args.jax_python = jax_python() if any(c.startswith("jax") for c in configs) else ""
    files = data_files()
    print(
        f"training_backends: {args.rounds} round(s), pinned to core {args.core}, one thread; "
        f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}",
        flush=True,
    )
    results: dict[tuple[str, str], list[dict]] = {}
    loads = []
    with tempfile.TemporaryDirectory(prefix="feynlab-backends-") as tmp:
        for round_ in range(args.rounds):
            for model in models:
                for config in configs if model != "snake-3x3" else configs[:1]:
                    r = run_one(model, config, files, args, Path(tmp))
                    loads.append(os.getloadavg()[0])
                    results.setdefault((model, config), []).append(r)
                    print(f"round {round_ + 1} {model} / {config}: {json.dumps(r)}", flush=True)
    print(
        f"\nload average during the runs: {min(loads):.1f}-{max(loads):.1f} "
        f"(now {os.getloadavg()[0]:.1f})"
    )
    print("\n| model | backend | train CPU s | wall s | vs torch eager (CPU) | accuracy |")
    print("|---|---|---:|---:|---:|---:|")
    for model in models:
        base = None
        for config in configs:
            runs = [r for r in results.get((model, config), []) if "error" not in r]
            if not runs:
                errors = [r["error"] for r in results.get((model, config), [])]
                if errors:
                    print(f"| {model} | {config} | failed: {errors[0]} | | | |")
                continue
            cpu = statistics.median(r["cpu_s"] for r in runs)
            wall = statistics.median(r["wall_s"] for r in runs)
            base = cpu if config == "torch eager" else base
            ratio = f"{base / cpu:.2f}x" if base else ""
            if model == "snake-3x3":
                extra = f"{statistics.median(r['steps_per_s'] for r in runs):,.0f} steps/s"
                print(
                    f"| {model} | every backend (no Keras) | {cpu:.1f} | {wall:.1f} | "
                    f"fixed budget | {extra} |"
                )
                continue
            acc = statistics.median(r["accuracy"] for r in runs)
            print(f"| {model} | {config} | {cpu:.1f} | {wall:.1f} | {ratio} | {acc:.3f} |")
    print("\nWhat `import keras` leaves in the process before training (a zygote forks after it):")
    for config in configs:
        runs = [
            r
            for (m, c), rs in results.items()
            if c == config and m != "snake-3x3"
            for r in rs
            if "error" not in r
        ]
        if runs:
            r = runs[0]
            xla = r.get("xla_client_at_import")
            note = "" if xla is None else f", XLA client initialised at import: {xla}"
            print(
                f"  {config}: import {statistics.median(x['import_s'] for x in runs):.1f} s, "
                f"{r['threads_after_import']} thread(s) after import{note}, "
                f"{max(x['threads_at_end'] for x in runs)} at the end of training"
            )


if __name__ == "__main__":
    main()
