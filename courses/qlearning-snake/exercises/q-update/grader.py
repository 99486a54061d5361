"""Hidden cases for q_update(...): ordinary steps, terminal steps, negative values."""

import numpy as np

from feynlab.grading.result import cases_result, check_array


def reference(q, state, action, reward, next_state, done, alpha, gamma):
    q = q.astype(float).copy()
    target = reward if done else reward + gamma * q[next_state].max()
    q[state, action] += alpha * (target - q[state, action])
    return q


def cases():
    rng = np.random.default_rng(20260608)
    table = np.array([[0.0, 1.0], [2.0, 0.5], [0.0, 0.0]])
    yield "an ordinary step", table, (0, 1, 1.0, 1, False, 0.5, 0.9)
    yield "a terminal step (no future value)", table, (1, 0, -1.0, 2, True, 0.5, 0.9)
    yield (
        "next state with only negative values",
        -np.ones((2, 3)) * np.array([1, 2, 3]),
        (
            0,
            2,
            0.0,
            1,
            False,
            0.1,
            0.99,
        ),
    )
    yield "alpha = 1 (jump to the target)", table, (2, 0, 0.5, 0, False, 1.0, 0.5)
    yield "staying in the same state", table, (1, 1, 0.0, 1, False, 0.5, 0.9)
    big = rng.normal(size=(500, 4))
    for i in range(5):
        s, s2 = (int(v) for v in rng.integers(500, size=2))
        done = bool(i % 2)
        args = (s, int(rng.integers(4)), float(rng.normal()), s2, done, 0.2, 0.95)
        kind = "terminal step" if done else "step"
        yield f"a random {kind} on a 500x4 table (#{i + 1})", big, args


def grade(judge):
    results = []
    for name, q, args in cases():
        got = judge.call("q_update", q.copy(), *args)
        want = reference(q, *args)
        problem = check_array(got, name="q_update", shape=want.shape, kind="f")
        if problem is None and not np.allclose(got, want, rtol=1e-9, atol=1e-12):
            s, a = args[0], args[1]
            changed = np.argwhere(~np.isclose(got, want)).tolist()
            problem = f"`q_update` returned a wrong table for {name}: "
            if changed != [[s, a]]:
                problem += f"entries {changed[:5]} differ, but only q[{s}, {a}] should change."
            else:
                problem += (
                    f"q[{s}, {a}] is {got[s, a]:.6g} after your update, which is not right: it "
                    "moves by alpha times (the target minus its old value), and the target is "
                    "the reward plus gamma times the best value of the next state (the reward "
                    "alone after a terminal step)."
                )
        results.append((name, problem))
    result = cases_result(results)
    failed = [(name, problem) for name, problem in results if problem]
    if results[0][1] is None and any("terminal" in name for name, _ in failed):
        result.feedback += " After a terminal step, the target is the reward alone."
    return result
