"""Checkers for the exercises of the chapter "Machine learning tasks"."""

from __future__ import annotations

import numpy as np

from dlbook.exercises import Feedback
from dlbook.exercises._answers import await_answer, checker, mapping, to_array

TASKS = ("classification", "regression", "transcription", "translation",
         "anomaly detection", "synthesis", "denoising")

# problem -> (task, why), for the exercise "Name the task".
PROBLEMS = {
    "price of a flat from its area and district": (
        "regression", "the output is one real number."),
    "which of 10 digits an 8x8 image shows": (
        "classification", "the output is one of K = 10 categories."),
    "the text of a scanned page": (
        "transcription", "unstructured pixels become a sequence of symbols (OCR)."),
    "an English sentence into Polish": (
        "translation", "a sequence of symbols becomes a sequence in another language."),
    "flag an unusual card payment": (
        "anomaly detection", "the model learns what is usual and flags what is not, "
        "mostly without labelled frauds."),
    "new faces that look like the photos": (
        "synthesis", "the model generates new examples like its training data."),
    "remove the hiss from an old recording": (
        "denoising", "the clean x is predicted from the corrupted x~."),
}


def _no_answer(answer) -> bool:
    return answer is None or answer is Ellipsis or answer == ""


@checker
def check_task_names(answers) -> Feedback:
    """Does each problem of ``PROBLEMS`` get the right task from ``TASKS``?"""
    fb = Feedback("name the task")
    answers = mapping(fb, "answers", answers, PROBLEMS, "{problem: task, ...}",
                      keys_are="the problems are the keys of PROBLEMS; copy them")
    missing = [p for p in PROBLEMS if _no_answer(answers.get(p))]
    if missing:
        fb.fail(f"{len(missing)} of {len(PROBLEMS)} problems have no answer yet, "
                f"e.g. {missing[0]!r}.")
    for problem, (task, why) in PROBLEMS.items():
        answer = answers.get(problem)
        if _no_answer(answer):
            continue
        name = answer.strip().lower() if isinstance(answer, str) else None
        if name not in TASKS:
            fb.fail(f"{problem!r}: {answer!r} is not a task name; choose from "
                    f"{', '.join(TASKS)}.")
        elif name != task:
            fb.fail(f"{problem!r} is not {name}: look at what the output is.")
        else:
            fb.note(f"{problem!r}: {task}, {why}")
    return fb


@checker
def check_abnormal_beats(flags, ecg) -> Feedback:
    """Compare one flag per beat of ``ecg`` with the truth; report recall and precision.

    Passes when at least 90 % of the abnormal beats are found and at least 90 % of
    the flagged beats are abnormal.
    """
    fb = Feedback("abnormal beats")
    truth = np.asarray(ecg.abnormal, dtype=bool)
    await_answer(fb, flags=flags)
    flags = to_array(fb, "flags", flags, "one True/False flag per beat", bools=True)
    if flags.shape != truth.shape:
        return fb.fail(f"flags has shape {flags.shape}, but the record has "
                       f"{len(truth)} beats: give one flag per beat, shape "
                       f"{truth.shape}.")
    if not np.all(np.isin(flags, (0, 1))):
        return fb.fail("flags must be True/False (or 1/0), one per beat; compare "
                       "your scores with a threshold to get them.")
    flags = flags.astype(bool)
    found = int(np.sum(flags & truth))
    false_alarms = int(np.sum(flags & ~truth))
    recall = found / max(int(truth.sum()), 1)
    precision = found / max(int(flags.sum()), 1)
    # Precision, the share of the flagged beats that are abnormal, needs a flagged beat.
    precision_text = (f"precision {precision:.0%}" if flags.any()
                      else "no precision without a flagged beat")
    fb.note(f"found {found} of {int(truth.sum())} abnormal beats (recall "
            f"{recall:.0%}), with {false_alarms} false alarm(s) ({precision_text}).")
    if not flags.any():
        fb.fail("no beat is flagged yet.")
    elif recall < 0.9:
        fb.fail("too many abnormal beats are missed: lower the threshold, or look at "
                "what sets them apart (their timing? their shape?).")
    elif precision < 0.9:
        fb.fail("too many normal beats are flagged: raise the threshold.")
    return fb
