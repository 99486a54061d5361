"""Hidden cases for discounted_returns(rewards, gamma), up to 200,000 steps."""

import numpy as np
from scipy.signal import lfilter

from feynlab.grading.result import cases_result, check_array


def reference(rewards, gamma):
    # G_t - gamma G_{t+1} = r_t is a first-order filter run backwards in time
    return lfilter([1.0], [1.0, -gamma], rewards[::-1])[::-1]


def cases():
    rng = np.random.default_rng(20260607)
    yield "three steps, gamma 0.5", np.array([1.0, 2.0, 4.0]), 0.5
    yield "gamma 0 (each return is its reward)", np.array([3.0, -1.0, 2.0]), 0.0
    yield "gamma 1 (sums of the rewards to come)", np.array([1.0, 1.0, 1.0, 1.0]), 1.0
    yield "a single step", np.array([-1.0]), 0.9
    yield "an empty episode", np.zeros(0), 0.9
    yield "one reward at the very end, 1,000 steps", np.r_[np.zeros(999), 1.0], 0.99
    yield "200,000 random rewards", rng.normal(size=200_000), 0.95


def grade(judge):
    results = []
    for name, rewards, gamma in cases():
        got = judge.call("discounted_returns", rewards.copy(), gamma)
        want = reference(rewards, gamma)
        problem = check_array(got, name="discounted_returns", shape=want.shape, kind="f")
        if problem is None and not np.allclose(got, want, rtol=1e-7, atol=1e-9):
            problem = f"`discounted_returns` gave wrong returns for {name}"
            if want.size <= 4:
                problem += f" (it returned {np.round(got, 6).tolist()})"
            problem += ": each return is its reward plus gamma times the next step's return"
            forwards = lfilter([1.0], [1.0, -gamma], rewards)
            if want.size > 1 and np.allclose(got, forwards, rtol=1e-7, atol=1e-9):
                problem += "; yours add up the rewards before each step, not the ones after it"
            problem += "."
        results.append((name, problem))
    return cases_result(results)
