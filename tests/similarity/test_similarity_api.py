"""Similarity reports through the API: code alike beyond the starter, and models sharing the
same mistakes far more often than chance; for the class's staff only, worded as a lead."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient

from feynlab.submissions.models import Submission
from tests.conftest import EXAMPLE_COURSES

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
URL = "/api/classes/{}/similarity?course=example&exercise=add"
STARTER = EXAMPLE_COURSES / "example" / "exercises" / "add" / "starter.py"

COPIED = '''
def add(a, b):
    """Return the sum of a and b, checking the inputs first."""
    values = [a, b]
    for value in values:
        if not isinstance(value, (int, float)):
            raise TypeError("add works on numbers only, got " + repr(value))
    total = 0
    for value in values:
        total = total + value
    return total
'''
RENAMED = COPIED.replace("values", "numbers").replace("total", "result").replace("value", "x")
OWN = """
import operator
from functools import reduce


def add(a, b):
    # reduce over the pair with operator.add; a bit much for two numbers, but it works
    return reduce(operator.add, (a, b), 0)
"""


def _predictions(app: FastAPI, submission_id: int, predicted: list[int]) -> None:
    with app.state.sessionmaker() as db:
        row = db.get(Submission, submission_id)
        assert row is not None
        staff = {"predictions": {"items": list(range(len(predicted))), "predicted": predicted}}
        row.result = {**(row.result or {}), "staff": staff}
        db.commit()


def test_copied_code_is_a_lead_and_the_starter_is_not(
    client: TestClient, make_class, make_user, join, graded, app: FastAPI
) -> None:
    made = make_class()
    starter = STARTER.read_text()
    people = [make_user() for _ in range(4)]
    for person in people:
        join(person, made["join_code"])
    codes = [COPIED, RENAMED, OWN, starter + "\n# not done yet\n"]
    ids = [graded(p, at=NOW, score=1.0, status="passed") for p in people]
    with app.state.sessionmaker() as db:
        for submission_id, code in zip(ids, codes, strict=True):
            row = db.get(Submission, submission_id)
            assert row is not None
            row.code = code
        db.commit()
    response = client.get(URL.format(made["id"]), headers=made["headers"])
    assert response.status_code == 200, response.text
    report = response.json()
    assert "leads for a person to look at, not findings" in report["note"]
    pairs = {(p["a"]["id"], p["b"]["id"]) for p in report["code_pairs"]}
    assert pairs == {(people[0].id, people[1].id)}
    (pair,) = report["code_pairs"]
    assert pair["share_a"] > 0.8 and pair["code_a"] == COPIED and pair["code_b"] == RENAMED
    csv_text = client.get(
        URL.format(made["id"]).replace("similarity", "similarity.csv"), headers=made["headers"]
    ).text
    assert "not findings" in csv_text.splitlines()[0] and people[0].email in csv_text


def test_models_sharing_mistakes_beyond_chance(
    client: TestClient, make_class, make_user, join, graded, app: FastAPI
) -> None:
    made = make_class()
    rng = random.Random(7)
    truth = [i % 10 for i in range(400)]
    shared_mistakes = rng.sample(range(400), 30)
    people = [make_user() for _ in range(6)]
    for n, person in enumerate(people):
        join(person, made["join_code"])
        predicted = list(truth)
        # Everyone makes about 8% mistakes of their own...
        for item in rng.sample(range(400), 32):
            predicted[item] = (truth[item] + rng.randint(1, 9)) % 10
        # ...and the first two make the same 30 on top.
        if n < 2:
            for item in shared_mistakes:
                predicted[item] = (truth[item] + 3) % 10
        _predictions(app, graded(person, at=NOW, score=0.9, status="passed"), predicted)
    report = client.get(URL.format(made["id"]), headers=made["headers"]).json()
    assert report["models_compared"] == 6
    (pair,) = report["model_pairs"]
    assert {pair["a"]["id"], pair["b"]["id"]} == {people[0].id, people[1].id}
    assert pair["same_mistakes"] >= 25 and pair["expected"] < 2
    assert pair["p_value"] < 1e-20


def test_only_the_class_staff_see_it(
    client: TestClient, make_class, make_user, join, login
) -> None:
    made, other = make_class(), make_class("Other")
    learner_headers = join(make_user(), made["join_code"])
    assert client.get(URL.format(made["id"]), headers=learner_headers).status_code == 403
    assert client.get(URL.format(made["id"]), headers=other["headers"]).status_code == 404
