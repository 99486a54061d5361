from __future__ import annotations

import json

import numpy as np

from feynlab.envs import Recorder, SnakeEnv, play


def test_play_records_every_frame_and_action() -> None:
    rng = np.random.default_rng(1)
    game = play(SnakeEnv(3), lambda obs: int(rng.integers(4)), seed=9)
    assert len(game.frames) == len(game.actions) + 1 == len(game.rewards) + 1
    assert game.outcome in {"won", "died", "truncated"}
    assert all(len(frame) == 9 for frame in game.frames)
    data = json.loads(json.dumps(game.to_dict()))
    assert data["seed"] == 9 and data["size"] == 3 and data["won"] is game.won


def test_replaying_the_actions_gives_the_same_frames() -> None:
    rng = np.random.default_rng(2)
    game = play(SnakeEnv(3), lambda obs: int(rng.integers(4)), seed=11)
    env = SnakeEnv(3)
    frames = [env.reset(seed=11)[0].ravel().tolist()]
    frames += [env.step(a)[0].ravel().tolist() for a in game.actions]
    assert frames == game.frames


def test_recorder_keeps_one_record_per_game() -> None:
    recorder = Recorder(SnakeEnv(3))
    for seed in range(3):
        recorder.reset(seed=seed)
        done = False
        while not done:
            _, _, terminated, truncated, _ = recorder.step(0)
            done = terminated or truncated
    assert len(recorder.games) == 3
    assert [g.outcome for g in recorder.games] == ["died"] * 3
    assert recorder.action_space.n == 4


def test_a_winning_game_is_marked_won() -> None:
    for seed in range(20):
        game = play(SnakeEnv(3), _hamilton_policy, seed=seed)
        assert game.won and game.length == 9 and game.frames[-1].count(0) == 0


def _hamilton_policy(obs: np.ndarray) -> int:
    """Follow the cycle around the edge, diving through the centre when the food is there."""
    row, col = (int(v) for v in np.argwhere(obs == 1)[0])
    ring = [(0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0)]
    if (row, col) == (1, 1):
        target = (1, 2)
    elif (row, col) == (0, 1) and obs[1, 1] == -1:
        target = (1, 1)
    else:
        target = ring[(ring.index((row, col)) + 1) % 8]
    dr, dc = target[0] - row, target[1] - col
    return {(-1, 0): 0, (0, 1): 1, (1, 0): 2, (0, -1): 3}[(dr, dc)]
