"""Public checks of this exercise, run by the Run button (docs/authoring.md, "Public checks").

Everything here is shown to the learner: the inputs and the expected answers. The grade rests on
grader.py's hidden cases, never on these."""

from feynlab.grading.public import Check, run_checks


def grade(judge):
    return run_checks(
        judge,
        [
            Check(
                "40 right out of 50 (95%)",
                "wilson_interval",
                args=(40, 50),
                expected=(0.6696, 0.8876),
                atol=1e-4,
            ),
            Check(
                "10 right out of 10, a perfect score",
                "wilson_interval",
                args=(10, 10),
                expected=(0.7225, 1.0),
                atol=1e-4,
            ),
            Check(
                "40 right out of 50, a 99% interval",
                "wilson_interval",
                args=(40, 50),
                kwargs={"z": 2.576},
                expected=(0.6235, 0.9062),
                atol=1e-4,
            ),
        ],
    )
