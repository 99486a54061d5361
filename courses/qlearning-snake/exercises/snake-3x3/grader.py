"""Train the learner's agent inside the sandbox for 30 s, then play its policy in the trusted
Snake environment out here (observations go in, actions come back) and record every game.

The training environment seeds itself inside the sandbox; the evaluation games are seeded from
the judge's view seed, drawn on the trusted side and never sent in: nothing the learner can read
tells what the evaluation games will be."""

import time

from feynlab.datasets.scoring import wilson_interval
from feynlab.envs import InvalidAction, evaluate, games_needed
from feynlab.grading.judge import RemoteHandle
from feynlab.grading.result import Result, fail

SIZE = 3
TRAIN_SECONDS = 30
GRACE_SECONDS = 5  # for returning the policy once time is up
STEP_TIMEOUT_S = 2.0


def _pct(x):
    return f"{100 * x:.1f}".rstrip("0").rstrip(".") + "%"


def grade(judge):
    bar = judge.pass_bar.at_least  # from exercise.yaml, validated
    games_played = max(500, games_needed(bar))  # a policy at the bar + 5 points passes 99 in 100
    # the evaluation games' seeds: each drawn on its own from judge.rng, independent of the
    # training environment (which seeds itself in the sandbox), below 2**53 for JSON
    seeds = [int(s) for s in judge.rng.integers(2**52, size=games_played)]
    env = judge.new("feynlab.envs.snake:SnakeEnv", SIZE)
    started = time.monotonic()
    policy = judge.call("train", env, TRAIN_SECONDS, timeout_s=TRAIN_SECONDS + GRACE_SECONDS + 10)
    took = time.monotonic() - started
    if took > TRAIN_SECONDS + GRACE_SECONDS:
        return fail(
            f"`train` took {took:.0f} s but was given {TRAIN_SECONDS} s. Watch the clock "
            "(`time.monotonic()`) and stop training before `seconds` have passed.",
            train_s=took,
        )
    if not isinstance(policy, RemoteHandle):
        return fail(
            "`train` should return a policy: a function (or an object with `__call__`) that "
            f"takes an observation and returns an action. It returned a {type(policy).__name__}."
        )

    def act(obs):
        return policy(obs, timeout_s=STEP_TIMEOUT_S)

    try:
        games = evaluate(act, size=SIZE, games=games_played, seeds=seeds)
    except InvalidAction as exc:
        return fail(f"Your policy returned {exc.action!r}; an action must be 0, 1, 2 or 3.")
    wins = sum(game.won for game in games)
    rate = wins / games_played
    low, high = wilson_interval(wins, games_played)
    deaths = sum(game.outcome == "died" for game in games)
    hungry = sum(game.outcome == "truncated" for game in games)
    verdict = "passed, well done!" if rate >= bar else "not passed yet."
    feedback = (
        f"Your agent won **{wins} of {games_played} games ({_pct(rate)})**, 95% interval "
        f"{_pct(low)} to {_pct(high)}; the bar is {_pct(bar)}: {verdict} It died in {deaths} "
        f"and went hungry too long in {hungry}. Every game can be replayed."
    )
    if rate < bar:
        feedback += (
            " If it rarely wins, check the Bellman update (no future value after a terminal "
            "step), keep some exploration, and use the whole time budget."
            if hungry < deaths
            else " It often circles without eating: reward eating more, or try a discount "
            "closer to 1."
        )
    return Result(
        score=rate,
        metrics={
            "win_rate": rate,
            "ci_low": low,
            "ci_high": high,
            "games": games_played,
            "train_s": round(took, 2),
        },
        staff_metrics={"first_evaluation_seed": seeds[0], "wins": wins},
        feedback=feedback,
        summary=f"won {_pct(rate)} of {games_played} games (the bar is {_pct(bar)})",
        artifacts={"snake_games": [game.to_dict() for game in games]},
    )
