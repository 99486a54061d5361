"""Pydantic models of a similarity report."""

from __future__ import annotations

from pydantic import BaseModel, Field

from feynlab.submissions.schemas import LearnerRef

LEAD = (
    "These pairs are leads for a person to look at, not findings: similar code can come from "
    "the same tutorial or a hint given in class, and models trained alike can share mistakes. "
    "Read both side by side and talk with the learners before drawing any conclusion."
)


class CodePair(BaseModel):
    a: LearnerRef
    b: LearnerRef
    submission_a: int
    submission_b: int
    share_a: float = Field(description="Share of A's code (beyond the starter) also in B's.")
    share_b: float
    code_a: str
    code_b: str


class ModelPair(BaseModel):
    a: LearnerRef
    b: LearnerRef
    submission_a: int
    submission_b: int
    items: int = Field(description="Hidden test items both models were asked about.")
    wrong_a: int = Field(description="Items where A differs from the consensus answer.")
    wrong_b: int
    same_mistakes: int = Field(description="Items both got wrong with the same wrong answer.")
    expected: float = Field(description="Same mistakes expected by chance for independent models.")
    p_value: float = Field(description="Chance of at least this many by coincidence (binomial).")


class SimilarityReport(BaseModel):
    course: str
    exercise: str
    submissions: int = Field(description="Learners compared (their latest graded submission).")
    note: str = LEAD
    code_pairs: list[CodePair]
    model_pairs: list[ModelPair]
    models_compared: int = Field(description="Learners whose verdict kept predictions.")
