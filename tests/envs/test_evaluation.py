from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

import feynlab.envs
from feynlab.envs import InvalidAction, evaluate, games_needed


def test_public_surface() -> None:
    assert set(feynlab.envs.__all__) == {
        "GameRecord",
        "InvalidAction",
        "Recorder",
        "SnakeEnv",
        "evaluate",
        "games_needed",
        "play",
    }


def test_games_needed_gives_a_99_percent_pass_at_the_bar_plus_5() -> None:
    n = games_needed(0.60)
    assert 450 < n <= 500
    needed = int(np.ceil(0.60 * 500))
    assert binom.sf(needed - 1, 500, 0.65) >= 0.99


def test_evaluate_is_seeded_and_records_every_game() -> None:
    def policy(obs: np.ndarray) -> int:
        return int(obs.sum()) % 4

    a = evaluate(policy, size=3, games=20, seed=5)
    b = evaluate(policy, size=3, games=20, seed=5)
    assert [g.frames for g in a] == [g.frames for g in b]
    assert [g.seed for g in a] == list(range(5, 25))


@pytest.mark.parametrize("answer", [7, -1, "up", 1.0, None, True, np.array([1, 2])])
def test_invalid_actions_are_refused(answer: object) -> None:
    with pytest.raises(InvalidAction):
        evaluate(lambda obs: answer, size=3, games=1, seed=0)


def test_numpy_integers_are_actions() -> None:
    games = evaluate(lambda obs: np.int64(1), size=3, games=2, seed=0)
    assert all(g.actions and set(g.actions) == {1} for g in games)


def test_the_policy_cannot_change_the_board() -> None:
    def vandal(obs: np.ndarray) -> int:
        obs[:] = 0
        return 0

    game = evaluate(vandal, size=3, games=1, seed=1)[0]
    assert any(v != 0 for v in game.frames[0])


def test_games_can_take_independent_seeds() -> None:
    """Graders seed every evaluation game on its own: the record says which seed it was."""
    games = evaluate(lambda obs: 1, size=3, games=3, seeds=[90, 3, 2**52 - 1])
    assert [g.seed for g in games] == [90, 3, 2**52 - 1]
    again = evaluate(lambda obs: 1, size=3, games=1, seeds=[3])[0]
    assert again.frames == games[1].frames
    with pytest.raises(ValueError, match="3 games need 3 seeds"):
        evaluate(lambda obs: 1, size=3, games=3, seeds=[1])
