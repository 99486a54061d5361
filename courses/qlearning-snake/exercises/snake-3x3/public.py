"""Public checks of this exercise, run by the Run button (docs/authoring.md, "Public checks").

A short public try: `train` gets 10 seconds (the grade gives 30), then its policy plays 50
games of public seeds 0-49 in the trusted Snake environment, here. The games can be replayed.
Submit grades on 500 games of seeds nobody can know."""

from feynlab.envs import InvalidAction, evaluate
from feynlab.grading.judge import RemoteHandle
from feynlab.grading.public import Check, run_checks

SIZE = 3
TRAIN_SECONDS = 10
GAMES = 50
SAMPLE_BAR = 0.2  # well below the real bar: less training time, fewer games


def grade(judge):
    played = []

    def is_policy(policy):
        if not isinstance(policy, RemoteHandle):
            return "`train` should return a policy: a function from an observation to an action"
        return None

    def wins_some(policy):
        if is_policy(policy):
            return "see the check before: `train` returned no policy"
        try:
            games = evaluate(lambda obs: policy(obs, timeout_s=2.0), size=SIZE, games=GAMES, seed=0)
        except InvalidAction as exc:
            return f"the policy returned {exc.action!r}; an action must be 0, 1, 2 or 3"
        played.extend(games)
        wins = sum(game.won for game in games)
        if wins / GAMES < SAMPLE_BAR:
            return (
                f"the agent won {wins} of {GAMES} games; at least {SAMPLE_BAR:.0%} is expected "
                "after 10 seconds of training. Does `train` update the Q-table?"
            )
        return None

    result = run_checks(
        judge,
        [
            Check(
                f"it trains for at most {TRAIN_SECONDS} s and returns a policy",
                "train",
                args=(judge.new("feynlab.envs.snake:SnakeEnv", SIZE), TRAIN_SECONDS),
                test=is_policy,
                timeout_s=TRAIN_SECONDS + 15,
                shown_input=f"policy = train(SnakeEnv(3), {TRAIN_SECONDS})",
                shown_expected="a function from an observation to an action",
            ),
            Check(
                f"after {TRAIN_SECONDS} s of training, it wins some of {GAMES} games",
                "train",
                reuse=True,
                test=wins_some,
                shown_input="the policy plays 50 games of seeds 0-49",
                shown_expected=f"a policy winning at least {SAMPLE_BAR:.0%} of the games",
            ),
        ],
    )
    result.artifacts["snake_games"] = [game.to_dict() for game in played]
    return result
