from __future__ import annotations

import numpy as np
import pytest

from feynlab.envs import SnakeEnv
from feynlab.envs.snake import DOWN, FOOD, LEFT, RIGHT, UP


def board(env: SnakeEnv, body: list[tuple[int, int]], food: tuple[int, int] | None) -> None:
    """Put the game in a chosen position (head first)."""
    env.reset(seed=0)
    env._body = [r * env.size + c for r, c in body]
    env._food = -1 if food is None else food[0] * env.size + food[1]


def test_reset_shape_and_contents() -> None:
    env = SnakeEnv(size=3)
    obs, info = env.reset(seed=3)
    assert obs.shape == (3, 3) and obs.dtype == np.int8
    assert sorted(obs.ravel().tolist()) == [FOOD, 0, 0, 0, 0, 0, 0, 0, 1]
    assert info == {"length": 1, "steps": 0, "steps_without_food": 0, "won": False}
    assert env.observation_space.contains(obs)
    assert env.action_space.n == 4


def test_actions_move_the_head() -> None:
    env = SnakeEnv(size=3)
    for action, expected in [(UP, (0, 1)), (RIGHT, (1, 2)), (DOWN, (2, 1)), (LEFT, (1, 0))]:
        board(env, [(1, 1)], food=(2, 2) if expected != (2, 2) else (0, 0))
        obs, reward, terminated, truncated, _ = env.step(action)
        assert obs[expected] == 1 and (reward, terminated, truncated) == (0.0, False, False)


def test_eating_grows_and_places_new_food() -> None:
    env = SnakeEnv(size=3)
    board(env, [(1, 1)], food=(1, 2))
    obs, reward, terminated, _, info = env.step(RIGHT)
    assert reward == 1.0 and not terminated and info["length"] == 2
    assert obs[1, 2] == 1 and obs[1, 1] == 2
    assert (obs == FOOD).sum() == 1 and (obs > 0).sum() == 2


def test_body_order_is_in_the_observation() -> None:
    env = SnakeEnv(size=3)
    board(env, [(0, 0), (0, 1), (1, 1)], food=(2, 2))
    a = env._observe().copy()
    board(env, [(1, 1), (0, 1), (0, 0)], food=(2, 2))
    b = env._observe()
    assert (a > 0).sum() == (b > 0).sum() == 3
    assert a.tobytes() != b.tobytes()
    assert a[0, 0] == 1 and a[1, 1] == 3 and b[1, 1] == 1


def test_wall_kills() -> None:
    env = SnakeEnv(size=3)
    board(env, [(0, 0)], food=(2, 2))
    _, reward, terminated, truncated, info = env.step(UP)
    assert (reward, terminated, truncated, info["won"]) == (-1.0, True, False, False)
    with pytest.raises(RuntimeError, match="reset"):
        env.step(DOWN)


def test_biting_the_body_kills_but_the_moving_tail_does_not() -> None:
    env = SnakeEnv(size=3)
    # a square: head (0,0), then (0,1), (1,1), tail (1,0). Moving down enters the tail's cell,
    # which it leaves in the same step.
    board(env, [(0, 0), (0, 1), (1, 1), (1, 0)], food=(2, 2))
    _, reward, terminated, _, _ = env.step(DOWN)
    assert not terminated and reward == 0.0
    board(env, [(0, 0), (0, 1), (1, 1), (1, 0), (2, 0)], food=(2, 2))
    _, reward, terminated, _, _ = env.step(DOWN)
    assert terminated and reward == -1.0


def test_filling_the_board_wins() -> None:
    env = SnakeEnv(size=3)
    # a path through eight cells, the head next to the last free cell, which holds the food
    body = [(1, 0), (0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0)]
    board(env, body, food=(1, 1))
    obs, reward, terminated, truncated, info = env.step(RIGHT)
    assert info["won"] and terminated and not truncated and reward == 1.0
    assert sorted(obs.ravel().tolist()) == list(range(1, 10))


def test_hunger_truncates() -> None:
    env = SnakeEnv(size=3, max_steps_without_food=4)
    board(env, [(0, 0)], food=(2, 2))
    results = [env.step(a)[2:4] for a in (RIGHT, LEFT, RIGHT)]
    assert results == [(False, False)] * 3
    _, _, terminated, truncated, _ = env.step(LEFT)
    assert (terminated, truncated) == (False, True)


def test_invalid_action_is_refused() -> None:
    env = SnakeEnv(size=3)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action"):
        env.step(4)


def _rollout(env: SnakeEnv, seed: int, actions: list[int]) -> list[bytes]:
    obs, _ = env.reset(seed=seed)
    frames = [obs.tobytes()]
    for action in actions:
        obs, _, terminated, truncated, _ = env.step(action)
        frames.append(obs.tobytes())
        if terminated or truncated:
            obs, _ = env.reset()
            frames.append(obs.tobytes())
    return frames


def test_same_seed_same_game() -> None:
    actions = list(np.random.default_rng(7).integers(4, size=300))
    assert _rollout(SnakeEnv(3), 42, actions) == _rollout(SnakeEnv(3), 42, actions)
    assert _rollout(SnakeEnv(3), 42, actions) != _rollout(SnakeEnv(3), 43, actions)
    assert _rollout(SnakeEnv(3, seed=5), 1, actions) == _rollout(SnakeEnv(3, seed=6), 1, actions)


def test_observation_identifies_the_state() -> None:
    """Two different game states never share an observation (random play, many states)."""
    env = SnakeEnv(size=4)
    rng = np.random.default_rng(0)
    seen: dict[bytes, tuple] = {}
    obs, _ = env.reset(seed=0)
    for _ in range(20_000):
        state = (tuple(env._body), env._food)
        assert seen.setdefault(obs.tobytes(), state) == state
        obs, _, terminated, truncated, _ = env.step(int(rng.integers(4)))
        if terminated or truncated:
            obs, _ = env.reset()
    assert len(seen) > 500


@pytest.mark.parametrize("size", [1, 12])
def test_size_is_checked(size: int) -> None:
    with pytest.raises(ValueError, match="size"):
        SnakeEnv(size=size)


def test_render() -> None:
    env = SnakeEnv(size=3)
    board(env, [(0, 0), (0, 1)], food=(2, 2))
    assert env.render() == "Ho.\n...\n..*"
