"""Tests of dlbook.augment: geometry of the transforms, seeding, labels, bad input."""

import pytest
import torch
from helpers.strategies import FAST
from hypothesis import given
from hypothesis import strategies as st

import dlbook.augment
from dlbook.augment import (
    augment,
    augment_dataset,
    rotate_and_shift,
    slant_and_scale,
    warp,
)


def _bar() -> torch.Tensor:
    """One 8x8 image, a short horizontal bar right of the centre (rows 3-4)."""
    X = torch.zeros(1, 1, 8, 8)
    X[0, 0, 3:5, 5:8] = 1.0
    return X


def test_zero_transform_is_the_identity():
    X = torch.rand(5, 1, 8, 8)
    out = rotate_and_shift(X, torch.zeros(5), torch.zeros(5, 2))
    torch.testing.assert_close(out, X, atol=1e-5, rtol=0)


def test_whole_pixel_shift_moves_the_image():
    X = _bar()
    out = rotate_and_shift(X, torch.zeros(1), torch.tensor([[-1.0, 2.0]]))
    expected = torch.zeros(1, 1, 8, 8)
    expected[0, 0, 5:7, 4:7] = 1.0  # one pixel left, two down
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=0)


def test_quarter_turn_is_counter_clockwise():
    out = rotate_and_shift(_bar(), torch.tensor([90.0]), torch.zeros(1, 2))
    expected = torch.zeros(1, 1, 8, 8)
    expected[0, 0, 0:3, 3:5] = 1.0  # the bar now points up
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=0)


def test_rotation_comes_before_the_shift():
    # a quarter turn points the bar up; the shift then moves it one pixel right
    out = rotate_and_shift(_bar(), torch.tensor([90.0]), torch.tensor([[1.0, 0.0]]))
    expected = torch.zeros(1, 1, 8, 8)
    expected[0, 0, 0:3, 4:6] = 1.0
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=0)


def _column_centre(image: torch.Tensor) -> torch.Tensor:
    """Centre of mass of each row of an (H, W) image, in columns."""
    cols = torch.arange(image.shape[1], dtype=image.dtype)
    return (image * cols).sum(dim=1) / image.sum(dim=1)


def test_warp_shears_rows_by_their_height():
    X = torch.zeros(1, 1, 8, 8)
    X[0, 0, :, 3:5] = 1.0  # a vertical bar through the centre, column centre 3.5
    s = 0.5
    out = warp(X, torch.tensor([[[1.0, -s], [0.0, 1.0]]]), torch.zeros(1, 2))
    y = torch.arange(8) + 0.5 - 4  # height of each row above (-) or below the centre
    torch.testing.assert_close(_column_centre(out[0, 0]), 3.5 - s * y, atol=1e-4,
                               rtol=0)


def test_warp_scales_about_the_centre():
    X = torch.zeros(1, 1, 8, 8)
    X[0, 0, 3:5, 3:5] = 1.0
    out = warp(X, 2 * torch.eye(2)[None], torch.zeros(1, 2))
    assert out.sum().item() == pytest.approx(4 * X.sum().item(), rel=0.05)
    torch.testing.assert_close(out[0, 0], out[0, 0].flip(0).flip(1))  # still centred
    assert out[0, 0, 1:7, 1:7].sum() == pytest.approx(out.sum().item())
    assert (out[0, 0, 2:6, 2:6] > 0.5).all()  # the 2x2 block now covers 4x4 pixels


def test_warp_checks_shapes():
    X = torch.rand(3, 1, 8, 8)
    with pytest.raises(ValueError, match=r"matrices must have shape \(3, 2, 2\)"):
        warp(X, torch.eye(2)[None], torch.zeros(3, 2))
    with pytest.raises(ValueError, match=r"shifts must have shape \(3, 2\)"):
        warp(X, torch.eye(2).repeat(3, 1, 1), torch.zeros(2))
    with pytest.raises(TypeError, match="matrices must be a torch.Tensor"):
        warp(X, [[1.0, 0.0], [0.0, 1.0]], torch.zeros(3, 2))
    with pytest.raises(TypeError, match="angles must be a torch.Tensor"):
        rotate_and_shift(X, [0.0, 0.0, 0.0], torch.zeros(3, 2))


def test_slant_and_scale_is_seeded_and_neither_moves_nor_turns():
    X = torch.zeros(40, 1, 8, 8)
    X[:, :, 2:6, 2:6] = 1.0
    X[:, :, 3:5, 3:5] = 0.0  # a centred ring
    a, b = slant_and_scale(X, seed=3), slant_and_scale(X, seed=3)
    torch.testing.assert_close(a, b)
    assert not torch.equal(a, slant_and_scale(X, seed=4))
    assert not torch.allclose(a, X)
    ink = a.sum(dim=(1, 2, 3)) / X[0].sum()
    assert ink.min() > 0.85**2 * 0.9 and ink.max() < 1.15**2 * 1.1
    cols = torch.arange(8.0) + 0.5 - 4
    for image in a[:, 0]:  # shear and scale about the centre keep it in the centre
        assert abs((image.sum(0) * cols).sum() / image.sum()) < 1e-4
        assert abs((image.sum(1) * cols).sum() / image.sum()) < 1e-4
    out = slant_and_scale(X, max_slant=0, max_zoom=0)
    torch.testing.assert_close(out, X, atol=1e-5, rtol=0)


def test_slant_and_scale_rejects_bad_settings():
    X = torch.rand(2, 1, 8, 8)
    with pytest.raises(ValueError, match=r"max_zoom must be in \[0, 1\)"):
        slant_and_scale(X, max_zoom=1.0)
    with pytest.raises(ValueError, match="max_slant must be non-negative"):
        slant_and_scale(X, max_slant=-0.1)


def test_rotate_and_shift_checks_shapes():
    X = torch.rand(3, 1, 8, 8)
    with pytest.raises(ValueError, match=r"angles must have shape \(3,\)"):
        rotate_and_shift(X, torch.zeros(2), torch.zeros(3, 2))
    with pytest.raises(ValueError, match=r"shifts must have shape \(3, 2\)"):
        rotate_and_shift(X, torch.zeros(3), torch.zeros(3))
    with pytest.raises(ValueError, match=r"X must have shape \(batch, channels, height, width\)"):
        rotate_and_shift(torch.rand(8, 8), torch.zeros(1), torch.zeros(1, 2))


def test_augment_is_seeded_bounded_and_changes_the_images():
    X = torch.rand(6, 1, 8, 8)
    a, b = augment(X, seed=1), augment(X, seed=1)
    c = augment(X, seed=2)
    assert a.shape == X.shape
    torch.testing.assert_close(a, b)
    assert not torch.equal(a, c)
    assert not torch.allclose(a, X)
    assert a.min() >= 0 and a.max() <= 1


def test_augment_with_nothing_to_do_returns_the_images():
    X = torch.rand(4, 1, 8, 8)
    out = augment(X, max_shift=0, max_angle=0, noise_std=0)
    torch.testing.assert_close(out, X, atol=1e-5, rtol=0)


def test_augment_keeps_most_of_the_ink():
    # small shifts and turns move a centred shape, they do not wipe it out
    X = torch.zeros(50, 1, 8, 8)
    X[:, :, 2:6, 2:6] = 1.0
    X[:, :, 3:5, 3:5] = 0.0  # a centred ring, like a 0
    out = augment(X, noise_std=0.0, seed=0)
    ratio = out.sum(dim=(1, 2, 3)) / X.sum(dim=(1, 2, 3))
    assert ratio.min() > 0.6 and ratio.max() < 1.3


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(max_shift=-1.0), ValueError, "max_shift must be non-negative"),
    (dict(max_angle=float("nan")), ValueError, "max_angle must be a finite number"),
    (dict(noise_std="a lot"), TypeError, "noise_std must be a number"),
])
def test_augment_rejects_bad_settings(kwargs, error, match):
    with pytest.raises(error, match=match):
        augment(torch.rand(2, 1, 8, 8), **kwargs)


def test_augment_rejects_non_tensors_and_empty_batches():
    with pytest.raises(TypeError, match="X must be a torch.Tensor"):
        augment([[0.0]])
    with pytest.raises(ValueError, match="X is empty"):
        augment(torch.zeros(0, 1, 8, 8))


def test_augment_dataset_keeps_the_originals_and_their_labels():
    X = torch.rand(4, 1, 8, 8)
    y = torch.tensor([3, 1, 4, 1])
    X_aug, y_aug = augment_dataset(X, y, copies=2, seed=5)
    assert X_aug.shape == (12, 1, 8, 8) and y_aug.shape == (12,)
    torch.testing.assert_close(X_aug[:4], X)
    assert y_aug.tolist() == [3, 1, 4, 1] * 3
    torch.testing.assert_close(X_aug[4:8], augment(X, seed=5))
    torch.testing.assert_close(X_aug[8:], augment(X, seed=6))
    X0, y0 = augment_dataset(X, y, copies=0)
    torch.testing.assert_close(X0, X)


def test_augment_dataset_rejects_mismatched_labels_and_bad_copies():
    X = torch.rand(4, 1, 8, 8)
    with pytest.raises(ValueError, match=r"y must have shape \(4,\)"):
        augment_dataset(X, torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="copies must be a non-negative int"):
        augment_dataset(X, torch.zeros(4, dtype=torch.long), copies=-1)


# --- properties, on drawn inputs ---------------------------------------------------


@FAST
@given(n=st.integers(1, 4), side=st.integers(4, 10), copies=st.integers(0, 3),
       seed=st.integers(0, 100))
def test_augment_dataset_keeps_labels_and_counts(n, side, copies, seed):
    X, y = torch.rand(n, 1, side, side), torch.arange(n)
    X_aug, y_aug = dlbook.augment.augment_dataset(X, y, copies=copies, seed=seed)
    assert X_aug.shape == (n * (copies + 1), 1, side, side)
    assert torch.equal(y_aug, y.repeat(copies + 1))
    assert torch.equal(X_aug[:n], X), "the originals come first, unchanged"
    again = dlbook.augment.augment_dataset(X, y, copies=copies, seed=seed)[0]
    assert torch.equal(again, X_aug), "one seed, one augmentation"


@FAST
@given(n=st.integers(2, 4), which=st.sampled_from(["angles", "shifts"]))
def test_rotate_and_shift_rejects_parameters_of_another_length(n, which):
    X = torch.rand(n, 1, 6, 6)
    angles, shifts = torch.zeros(n), torch.zeros(n, 2)
    if which == "angles":
        angles = torch.zeros(n - 1)
    else:
        shifts = torch.zeros(n)
    with pytest.raises(ValueError, match=which):
        dlbook.augment.rotate_and_shift(X, angles, shifts)


def test_augment_dataset_rejects_labels_of_another_length():
    with pytest.raises(ValueError, match="y must"):
        dlbook.augment.augment_dataset(torch.rand(4, 1, 6, 6), torch.zeros(3, dtype=torch.long))
