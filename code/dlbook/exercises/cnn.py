"""Checkers for the exercises of the chapter "Convolutional networks"."""

from __future__ import annotations

import math

import numpy as np

from dlbook.conv import conv_output_size
from dlbook.exercises import Feedback
from dlbook.exercises._answers import checker, is_placeholder, mapping, number

# The three layers of the exercise "Output sizes": (size, kernel_size, stride, padding)
OUTPUT_SIZE_PARTS = {
    "a": (28, 5, 1, 0),  # 5x5 convolution, no padding, stride 1, on 28x28
    "b": (28, 5, 3, 2),  # 5x5 convolution, padding 2, stride 3, on 28x28
    "c": (7, 2, 2, 0),   # 2x2 max pooling, stride 2, on 7x7
}

# The exercise "One output by hand": a patch, a kernel and a bias.
PATCH = np.array([[1, 2, 0], [0, 1, 3], [2, 1, 0]], dtype=float)
KERNEL = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)
BIAS = 1.0


def _size_mistakes(answer: int, n: int, k: int, s: int, p: int) -> list[str]:
    """The slips that turn the right output size into ``answer``."""
    candidates = {
        "forgetting the +1 (the first window also counts)": (n + 2 * p - k) // s,
        "leaving out the padding": (n - k) // s + 1,
        "padding one side only (padding p adds p zeros on EACH side)":
            (n + p - k) // s + 1,
        "ignoring the stride": n + 2 * p - k + 1,
        "rounding up: a window that does not fit entirely is dropped, so round down":
            math.ceil((n + 2 * p - k) / s) + 1,
        "dividing the whole size by the stride": (n + 2 * p) // s,
    }
    right = conv_output_size(n, k, s, p)
    return [why for why, value in candidates.items() if value == answer != right]


@checker
def check_output_size(answer, *, size: int, kernel_size: int, stride: int = 1,
                      padding: int = 0, exercise: str = "Output size") -> Feedback:
    """Check one output size; name the slip that gives a wrong one."""
    fb = Feedback(exercise)
    got = number(fb, "the answer", answer, whole=True)
    right = conv_output_size(size, kernel_size, stride, padding)
    if got == right:
        return fb.note(f"{got} is right.")
    fb.fail(f"{got} is not the output size for input {size}, kernel {kernel_size}, "
            f"stride {stride}, padding {padding}.")
    mistakes = _size_mistakes(got, size, kernel_size, stride, padding)
    if mistakes:
        fb.note(f"{got} is what you get by " + ", or by ".join(mistakes) + ".")
    else:
        fb.note("Use floor((size + 2 * padding - kernel_size) / stride) + 1.")
    return fb


@checker
def check_output_sizes(answers) -> Feedback:
    """Exercise "Output sizes": ``answers`` is ``{"a": ..., "b": ..., "c": ...}``."""
    fb = Feedback("Output sizes")
    answers = mapping(fb, "answers", answers, OUTPUT_SIZE_PARTS,
                      '{"a": 24, "b": ..., "c": ...}')
    for part, (n, k, s, p) in OUTPUT_SIZE_PARTS.items():
        if is_placeholder(answers.get(part)):
            fb.fail(f"({part}) the answer is still the placeholder ...: replace it "
                    "with your answer.")
            continue
        one = check_output_size(answers[part], size=n, kernel_size=k, stride=s,
                                padding=p)
        text = f"({part}) " + " ".join(one.messages)
        if one:
            fb.note(text)
        else:
            fb.fail(text)
    return fb


@checker
def check_conv_parameters(answer, *, in_channels: int = 16, out_channels: int = 32,
                          kernel_size: int = 3) -> Feedback:
    """Exercise "Parameters of a convolution": weights and biases of one ``Conv2d``."""
    fb = Feedback("Parameters of a convolution")
    got = number(fb, "the answer", answer, whole=True)
    weights = out_channels * in_channels * kernel_size ** 2
    right = weights + out_channels
    if got == right:
        return fb.note(f"{out_channels} kernels of {in_channels} x {kernel_size} x "
                       f"{kernel_size} weights, plus {out_channels} biases.")
    fb.fail(f"{got} is not the number of parameters.")
    if got == weights:
        fb.note("You counted the weights only: each kernel also has one bias.")
    elif got == out_channels * (kernel_size ** 2 + 1):
        fb.note(f"Each kernel spans all {in_channels} input channels, so it holds "
                f"{in_channels} x {kernel_size} x {kernel_size} weights, not "
                f"{kernel_size} x {kernel_size}.")
    elif got == in_channels * kernel_size ** 2 + 1:
        fb.note(f"That is one kernel; the layer has {out_channels} of them.")
    else:
        fb.note("Count the weights of one kernel (it spans every input channel), "
                "multiply by the number of kernels, then add one bias per kernel. "
                "The image size plays no part: the same kernels slide everywhere.")
    return fb


@checker
def check_correlation_value(answer) -> Feedback:
    """Exercise "One output by hand": ``b + sum(PATCH * KERNEL)``."""
    fb = Feedback("One output by hand")
    got = number(fb, "the answer", answer)
    right = float((PATCH * KERNEL).sum() + BIAS)
    if math.isclose(got, right, abs_tol=1e-9):
        return fb
    fb.fail(f"{got:g} is not the output value.")
    if math.isclose(got, (PATCH * KERNEL[::-1, ::-1]).sum() + BIAS, abs_tol=1e-9):
        fb.note("You flipped the kernel: that is the convolution of signal "
                "processing. Layers in deep learning slide the kernel unflipped "
                "(cross-correlation), as torch.nn.functional.conv2d does.")
    elif math.isclose(got, right - BIAS, abs_tol=1e-9):
        fb.note("Almost: add the bias.")
    elif math.isclose(got, (PATCH @ KERNEL).sum() + BIAS, abs_tol=1e-9):
        fb.note("That is a matrix product; multiply element by element, then sum.")
    else:
        fb.note("Multiply each patch value by the kernel value at the same place, "
                "sum the nine products and add the bias.")
    return fb
