"""Golden tests of verdict classification from hand-made outcomes: every branch of whose fault
it was, without bubblewrap (grading/classify.py takes plain values)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from feynlab.grading import classify as c
from feynlab.grading.exercise import GradableExercise, PassBar
from feynlab.grading.result import Result
from feynlab.grading.verdicts import Fault, Verdict, parse_outcome
from feynlab.sandbox.limits import RunLimits
from feynlab.sandbox.run import RunOutcome

LIMITS = RunLimits.defaults().with_overrides({"wall_s": 10, "cpu_s": 8, "memory_mb": 512})
EXERCISE = GradableExercise(
    course="c",
    slug="e",
    directory=Path("/nowhere"),
    entrypoint="f",
    pass_bar=PassBar("accuracy", 0.9),
)
NO_BAR = GradableExercise(
    course="c", slug="e", directory=Path("/nowhere"), entrypoint="f", pass_bar=None
)
CLEAN = RunOutcome(exit_code=0, cpu_s=0.5, duration_s=0.7, output="hi\n", extra={"seed": 7})


def verdict(execution: c.Execution, o: RunOutcome = CLEAN, ex=EXERCISE) -> Verdict:
    return c.classify(o, LIMITS, ex, execution, view_seed=42)


@pytest.mark.parametrize(
    ("execution", "status", "fault"),
    [
        (c.Graded(Result(metrics={"accuracy": 0.95})), "passed", Fault.learner),
        (c.Graded(Result(metrics={"accuracy": 0.5})), "failed", Fault.learner),
        (c.Graded(Result(passed=False, score=1.0)), "failed", Fault.learner),
        (c.Graded({"accuracy": 1.0}), "infra-error", Fault.author),  # not a Result
        (c.GraderBroke("Traceback...\nKeyError: 'x'"), "infra-error", Fault.author),
        (c.LearnerRaised("Traceback...\nValueError: no", "ValueError"), "error", Fault.learner),
        (c.LearnerRaised("MemoryError", "MemoryError"), "memory", Fault.learner),
        (c.LearnerExited(3), "error", Fault.learner),
        (c.MissingFunction("f"), "error", Fault.learner),
        (c.Unreadable("a shape of [0, 10**30]"), "error", Fault.learner),
        (c.Unanswered(), "error", Fault.learner),
    ],
)
def test_each_conclusion_has_its_status_and_fault(execution, status, fault) -> None:
    got = verdict(execution)
    assert (got.status, got.fault) == (status, fault)
    assert got.counts_against_learner == (fault == Fault.learner)
    assert got.output == "hi\n" and got.seed == 7 and got.staff and got.staff.view_seed == 42


def test_a_result_without_decision_and_without_bar_is_the_authors_fault() -> None:
    got = verdict(c.Graded(Result(score=0.5)), ex=NO_BAR)
    assert (got.status, got.fault) == ("infra-error", Fault.author)
    assert "decided nothing" in (got.staff.grader_traceback or "")  # type: ignore[union-attr]


def test_an_author_fault_shows_the_traceback_to_staff_only() -> None:
    got = verdict(c.GraderBroke("Traceback (most recent call last):\nKeyError: 'y_test'"))
    assert "being fixed" in got.feedback and "not counted" in got.feedback
    assert "KeyError" not in got.feedback and got.error is None
    assert "KeyError" in got.staff.grader_traceback  # type: ignore[union-attr]
    assert got.for_learner().staff is None


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        (RunOutcome(killed_for="timeout", exit_code=-9), "timeout"),
        (RunOutcome(killed_for="call-timeout", exit_code=-9), "timeout"),
        (RunOutcome(killed_for="output-limit", exit_code=-9), "output-limit"),
        (RunOutcome(oom=True, exit_code=-9), "memory"),
        (RunOutcome(exit_code=-signal.SIGXCPU), "timeout"),
        (RunOutcome(exit_code=-signal.SIGKILL, cpu_s=7.9), "timeout"),
    ],
)
def test_a_limit_is_the_learners_whatever_the_grader_saw(outcome, status) -> None:
    got = verdict(c.Unanswered(), outcome)
    assert (got.status, got.fault) == (status, Fault.learner)
    assert got.feedback == c.LIMIT_FEEDBACK[status].format(l=LIMITS)


def test_a_platform_fault_wins_over_what_the_grader_saw_unless_it_had_its_answers() -> None:
    lost = RunOutcome(infra_error="the sandbox lost track of the run", exit_code=None)
    for execution in (c.Unanswered(), c.GraderBroke("RuntimeError"), c.LearnerExited(None)):
        got = verdict(execution, lost)
        assert (got.status, got.fault) == ("infra-error", Fault.platform)
        assert "lost track" in got.staff.platform_error  # type: ignore[union-attr]
        assert "lost track" not in got.feedback
    answered = verdict(c.Graded(Result(metrics={"accuracy": 1.0})), lost)
    assert (answered.status, answered.fault) == ("passed", Fault.learner)


def test_a_crash_says_what_crashed_and_a_protocol_error_says_so() -> None:
    crashed = verdict(c.Unanswered(), RunOutcome(exit_code=-signal.SIGSEGV))
    assert "SIGSEGV" in crashed.feedback
    broke = verdict(c.Unanswered(), RunOutcome(exit_code=-9, protocol_error="bad frame"))
    assert "connection with the grader" in broke.feedback


def test_non_finite_figures_are_stored_as_null() -> None:
    got = verdict(
        c.Graded(Result(score=float("nan"), metrics={"accuracy": float("inf")}, passed=True))
    )
    dumped = got.model_dump(mode="json")
    assert dumped["score"] is None and dumped["metrics"] == {"accuracy": None}


def test_staff_figures_decide_the_bar_when_the_learner_sees_coarse_ones() -> None:
    result = Result(metrics={"accuracy (rounded)": 0.9})
    result.staff_metrics = {"accuracy": 0.897}
    got = verdict(c.Graded(result))
    assert got.status == "failed" and got.staff.metrics == {"accuracy": 0.897}  # type: ignore[union-attr]


def test_a_stored_outcome_reads_back_as_the_same_model() -> None:
    got = verdict(c.MissingFunction("f"))
    assert parse_outcome(got.model_dump(mode="json")) == got
    old = {"status": "passed", "score": 1.0, "metrics": {}, "feedback": "", "extra": 1}
    assert parse_outcome(old).status == "passed"  # keys of older versions are dropped


def test_a_cell_run_is_classified_from_its_reply() -> None:
    assert c.classify_run(CLEAN, LIMITS, {"ok": True}).status == "ok"
    raised = c.classify_run(CLEAN, LIMITS, {"ok": False, "error": "Traceback\nNameError"})
    assert (raised.status, raised.fault) == ("error", Fault.learner) and "NameError" in raised.error
    lost = c.classify_run(RunOutcome(infra_error="zygote died"), LIMITS, None)
    assert (lost.status, lost.fault) == ("infra-error", Fault.platform)
    timed = c.classify_run(RunOutcome(killed_for="timeout"), LIMITS, None)
    assert timed.status == "timeout"


def test_a_cell_that_broke_the_channel_is_told_so_without_a_grader() -> None:
    broke = c.classify_run(RunOutcome(exit_code=-9, protocol_error="bad frame"), LIMITS, None)
    assert broke.status == "error" and "grader" not in (broke.error or "")
    assert "channel" in (broke.error or "")


# -- messages that diagnose right (issue 14) ---------------------------------------------------
RAISED_AT_7 = (
    "Traceback (most recent call last):\n"
    '  File "solution.py", line 3, in <module>\n'
    '  File "solution.py", line 7, in softmax\n'
    "    return z / zz\n"
    "NameError: name 'zz' is not defined\n"
)


def test_an_error_carries_the_line_of_the_learners_file_it_points_to() -> None:
    got = verdict(c.LearnerRaised(RAISED_AT_7, "NameError"))
    assert got.error_line == 7 and "line 7 of your file" in got.feedback
    assert got.error == RAISED_AT_7
    syntax = '  File "solution.py", line 2\n    def f(:\n          ^\nSyntaxError: invalid syntax\n'
    assert verdict(c.LearnerRaised(syntax, "SyntaxError")).error_line == 2
    in_a_library = verdict(c.LearnerRaised("ValueError: shapes (3,) and (4,)\n", "ValueError"))
    assert in_a_library.error_line is None and "of your file" not in in_a_library.feedback
    cell = c.classify_run(
        CLEAN, LIMITS, {"ok": False, "error": RAISED_AT_7.replace("solution", "cell")}
    )
    assert cell.error_line == 7


def test_a_sigkill_below_the_limits_is_not_blamed_on_ctypes() -> None:
    killed = verdict(c.Unanswered(), RunOutcome(exit_code=-signal.SIGKILL, cpu_s=1.0))
    assert killed.status == "error" and "ctypes" not in killed.feedback
    assert "memory or time" in killed.feedback
    crashed = verdict(c.Unanswered(), RunOutcome(exit_code=-signal.SIGSEGV, cpu_s=1.0))
    assert "crashed (SIGSEGV)" in crashed.feedback and "exit()" not in crashed.feedback
    walled = RunOutcome(exit_code=-signal.SIGKILL, cpu_s=1.0, duration_s=LIMITS.wall_s)
    assert verdict(c.Unanswered(), walled).status == "timeout"


def test_exiting_while_loaded_is_said_so_and_nothing_else_is_blamed_on_exit() -> None:
    exited = verdict(c.LearnerExited(3))
    assert "exit status 3" in exited.feedback and "exit()" in exited.feedback
    raised = verdict(c.LearnerRaised("AttributeError: 'Model' object has no attribute 'predict'"))
    assert "exit" not in raised.feedback


def test_not_a_model_is_told_what_is_needed_without_a_traceback() -> None:
    why = "`train_model` returned a Model, which has no `predict`."
    got = verdict(c.LearnerRaised(f"NotAModel: {why}\n", c.NOT_A_MODEL))
    assert got.status == "error" and got.feedback == why and got.error is None


def test_a_failed_verdict_never_praises_and_the_summary_is_plain_words() -> None:
    result = Result(metrics={"accuracy": 0.5}, feedback="Your accuracy is 0.9; passed. Well done!")
    result.summary = "test accuracy 50%"
    got = verdict(c.Graded(result))
    assert got.status == "failed" and "Well done" not in got.feedback
    assert got.summary == "test accuracy 50%"
    passed = verdict(c.Graded(Result(metrics={"accuracy": 0.95}, feedback="Well done!")))
    assert passed.feedback == "Well done!"


def test_hidden_cases_are_summed_up_in_words_naming_the_case_that_failed() -> None:
    from feynlab.grading.result import cases_result

    all_passed = cases_result([(f"case {i}", None) for i in range(7)])
    assert all_passed.summary == "all 7 hidden cases passed"
    some = cases_result([("a terminal step", "returned 3.0"), ("an ordinary step", None)])
    assert some.summary == "1 of 2 hidden cases passed"
    assert "(a terminal step)" in some.feedback and "cases_passed" not in some.feedback


def test_the_output_cap_says_what_printed_most() -> None:
    hint = "Most of it was Keras's progress bar: pass `verbose=2` to `fit`."
    o = RunOutcome(killed_for="output-limit", exit_code=-9, extra={"output_hint": hint})
    got = verdict(c.Unanswered(), o)
    assert got.status == "output-limit" and got.feedback.endswith(hint)
    run = c.classify_run(o, LIMITS, None)
    assert run.status == "output-limit" and hint in (run.error or "")
