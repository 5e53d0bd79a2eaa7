"""The checkers of the chapter "Convolutional networks" accept right answers and name
the slip behind wrong ones."""

import torch

from dlbook.conv import conv2d
from dlbook.exercises.cnn import (BIAS, KERNEL, PATCH, check_conv_parameters,
                                  check_correlation_value, check_output_size,
                                  check_output_sizes)


def test_output_sizes_right_answers():
    assert check_output_sizes({"a": 24, "b": 10, "c": 3})


def test_output_sizes_name_the_slip():
    fb = check_output_sizes({"a": 23, "b": 8, "c": 4})
    assert not fb
    text = str(fb)
    assert "(a)" in text and "forgetting the +1" in text
    assert "leaving out the padding" in text
    assert "round down" in text


def test_output_sizes_placeholder_and_bad_keys_do_not_raise():
    fb = check_output_sizes({"a": ..., "b": ..., "c": ...})
    assert not fb and fb.pending and len(fb.messages) == 1
    assert fb.messages[0].startswith("answers still holds the placeholders ...")
    fb = check_output_sizes({"a": 24, "b": ..., "c": 3})  # judged part by part
    assert not fb and "(a) 24 is right." in fb.messages
    assert "(b) the answer is still the placeholder" in str(fb)
    assert "must be a dict" in str(check_output_sizes([24, 10, 3]))
    assert "whole number" in str(check_output_size(2.5, size=8, kernel_size=3))


def test_conv_parameters():
    assert check_conv_parameters(32 * 16 * 9 + 32)
    assert check_conv_parameters(
        sum(p.numel() for p in torch.nn.Conv2d(16, 32, 3).parameters()))
    assert "bias" in str(check_conv_parameters(32 * 16 * 9))
    assert "input channels" in str(check_conv_parameters(32 * 10))
    assert "32 of them" in str(check_conv_parameters(16 * 9 + 1))
    assert not check_conv_parameters(...)


def test_correlation_value():
    right = conv2d(torch.tensor(PATCH), torch.tensor(KERNEL)).item() + BIAS
    assert check_correlation_value(right)
    assert check_correlation_value(torch.tensor(right))
    assert "flipped" in str(check_correlation_value((PATCH * KERNEL[::-1, ::-1]).sum()
                                                    + BIAS))
    assert "add the bias" in str(check_correlation_value(right - BIAS))
    assert "placeholder" in str(check_correlation_value(...))
    assert "must be one number, not the text '3'" in str(check_correlation_value("3"))
    assert "one number" in str(check_correlation_value([1.0, 2.0]))
