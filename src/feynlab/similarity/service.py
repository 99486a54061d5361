"""Computing a similarity report from stored submissions (trusted side only: the predictions
are staff-only verdict fields, never shown to learners)."""

from __future__ import annotations

import csv
import io
import itertools
from collections import Counter
from typing import Any

from copydetect import CodeFingerprint, compare_files
from scipy.stats import binom
from sqlalchemy import select
from sqlalchemy.orm import Session

from feynlab.accounts.models import User
from feynlab.similarity.schemas import CodePair, ModelPair, SimilarityReport
from feynlab.submissions.gradebook import safe_cell
from feynlab.submissions.models import Kind, Submission
from feynlab.submissions.schemas import LearnerRef

NOISE_K = 25  # copydetect's noise threshold: matches shorter than this many tokens are ignored
WINDOW = 1  # guarantee threshold = k + window - 1 tokens
MIN_CODE_SHARE = 0.5
MAX_PAIRS = 50
MIN_SAME_MISTAKES = 5
MAX_P_VALUE = 1e-6


def latest(*, db: Session, user_ids: list[int], course: str, exercise: str) -> list[Submission]:
    """Each learner's latest graded submission to the exercise."""
    rows = db.scalars(
        select(Submission)
        .where(
            Submission.kind == Kind.submission.value,
            Submission.user_id.in_(user_ids),
            Submission.course == course,
            Submission.exercise == exercise,
            Submission.status.is_not(None),
            Submission.status != "infra-error",
        )
        .order_by(Submission.id)
    )
    by_user: dict[int, Submission] = {}
    for row in rows:
        by_user[row.user_id] = row
    return list(by_user.values())


def _fingerprint(code: str, boilerplate: Any = None) -> CodeFingerprint:
    return CodeFingerprint(
        "submission.py",
        NOISE_K,
        WINDOW,
        boilerplate=boilerplate,
        language="python",
        fp=io.StringIO(code),
    )


def code_pairs(*, rows: list[Submission], starter: str, people: dict[int, User]) -> list[CodePair]:
    boilerplate = _fingerprint(starter).hashes if starter.strip() else None
    prints = [(row, _fingerprint(row.code, boilerplate)) for row in rows]
    out = []
    for (ra, fa), (rb, fb) in itertools.combinations(prints, 2):
        overlap, (share_a, share_b), _ = compare_files(fa, fb)
        if overlap and max(share_a, share_b) >= MIN_CODE_SHARE:
            out.append(
                CodePair(
                    a=LearnerRef.model_validate(people[ra.user_id]),
                    b=LearnerRef.model_validate(people[rb.user_id]),
                    submission_a=ra.id,
                    submission_b=rb.id,
                    share_a=round(float(share_a), 3),
                    share_b=round(float(share_b), 3),
                    code_a=ra.code,
                    code_b=rb.code,
                )
            )
    out.sort(key=lambda p: -max(p.share_a, p.share_b))
    return out[:MAX_PAIRS]


def _predictions(row: Submission) -> dict[Any, Any] | None:
    staff = (row.result or {}).get("staff") or {}
    found = staff.get("predictions")
    if not isinstance(found, dict):
        return None
    items, predicted = found.get("items"), found.get("predicted")
    if not isinstance(items, list) or not isinstance(predicted, list):
        return None
    if len(items) != len(predicted):
        return None
    return {_key(i): _key(p) for i, p in zip(items, predicted, strict=True)}


def _key(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def model_pairs(*, rows: list[Submission], people: dict[int, User]) -> tuple[list[ModelPair], int]:
    """Pairs sharing mistakes far beyond chance. The hidden labels stay with the grader, so a
    "mistake" is an answer that differs from the class's consensus (the most common answer to
    that item), which for a class mostly above the pass bar is the right one."""
    answers = [(row, p) for row in rows if (p := _predictions(row))]
    votes: dict[Any, Counter[Any]] = {}
    for _, predicted in answers:
        for item, label in predicted.items():
            votes.setdefault(item, Counter())[label] += 1
    consensus = {item: count.most_common(1)[0][0] for item, count in votes.items()}
    out = []
    for (ra, pa), (rb, pb) in itertools.combinations(answers, 2):
        common = [i for i in pa if i in pb]
        n = len(common)
        if n == 0:
            continue
        wrong_a = [i for i in common if pa[i] != consensus[i]]
        wrong_b = {i for i in common if pb[i] != consensus[i]}
        both = [i for i in wrong_a if i in wrong_b]
        same = sum(1 for i in both if pa[i] == pb[i])
        if same < MIN_SAME_MISTAKES:
            continue
        # Independent models: both wrong with probability (wa/n)(wb/n), and then the same wrong
        # answer with the share of shared answers among their joint mistakes in the class.
        rate_a, rate_b = len(wrong_a) / n, len(wrong_b) / n
        labels = max(2, len({label for c in votes.values() for label in c}))
        p_same = rate_a * rate_b / (labels - 1)
        p_value = float(binom.sf(same - 1, n, min(1.0, p_same)))
        if p_value <= MAX_P_VALUE:
            out.append(
                ModelPair(
                    a=LearnerRef.model_validate(people[ra.user_id]),
                    b=LearnerRef.model_validate(people[rb.user_id]),
                    submission_a=ra.id,
                    submission_b=rb.id,
                    items=n,
                    wrong_a=len(wrong_a),
                    wrong_b=len(wrong_b),
                    same_mistakes=same,
                    expected=round(n * p_same, 3),
                    p_value=p_value,
                )
            )
    out.sort(key=lambda p: p.p_value)
    return out[:MAX_PAIRS], len(answers)


def report(
    *, db: Session, user_ids: list[int], course: str, exercise: str, starter: str
) -> SimilarityReport:
    rows = latest(db=db, user_ids=user_ids, course=course, exercise=exercise)
    people = {u.id: u for u in db.scalars(select(User).where(User.id.in_(user_ids)))}
    pairs, compared = model_pairs(rows=rows, people=people)
    return SimilarityReport(
        course=course,
        exercise=exercise,
        submissions=len(rows),
        code_pairs=code_pairs(rows=rows, starter=starter, people=people),
        model_pairs=pairs,
        models_compared=compared,
    )


def to_csv(found: SimilarityReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["# " + found.note])
    writer.writerow(
        ["kind", "learner_a", "learner_b", "submission_a", "submission_b", "measure", "detail"]
    )
    for c in found.code_pairs:
        writer.writerow(
            [
                "code",
                safe_cell(c.a.email),
                safe_cell(c.b.email),
                c.submission_a,
                c.submission_b,
                f"{max(c.share_a, c.share_b):.3f}",
                f"share of code in common: {c.share_a:.0%} of A, {c.share_b:.0%} of B",
            ]
        )
    for m in found.model_pairs:
        writer.writerow(
            [
                "model",
                safe_cell(m.a.email),
                safe_cell(m.b.email),
                m.submission_a,
                m.submission_b,
                f"{m.p_value:.3g}",
                f"{m.same_mistakes} same mistakes on {m.items} items, {m.expected:.2f} expected",
            ]
        )
    return buffer.getvalue()
