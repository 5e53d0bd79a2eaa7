"""Tests for dlbook.signals: the synthetic ECG and the beat detector."""

import numpy as np
import pytest
from helpers.strategies import FAST
from hypothesis import given
from hypothesis import strategies as st

from dlbook import signals
from dlbook.signals import (
    ECG,
    beat_scores,
    find_beats,
    segment_beats,
    synthetic_ecg,
)


def test_record_shapes_and_units():
    ecg = synthetic_ecg(num_beats=20, fs=200.0, seed=1)
    assert isinstance(ecg, ECG)
    assert ecg.signal.ndim == 1 and ecg.signal.dtype == float
    assert ecg.r_peaks.shape == ecg.abnormal.shape == (20,)
    assert ecg.abnormal.dtype == bool
    assert ecg.t.shape == ecg.signal.shape
    assert ecg.t[1] == pytest.approx(1 / 200.0)
    assert 0 <= ecg.r_peaks.min() and ecg.r_peaks.max() < len(ecg.signal)
    assert np.all(np.diff(ecg.r_peaks) > 0)


def test_same_seed_same_record_other_seed_other_record():
    a, b = synthetic_ecg(seed=3), synthetic_ecg(seed=3)
    assert np.array_equal(a.signal, b.signal)
    assert np.array_equal(a.abnormal, b.abnormal)
    c = synthetic_ecg(seed=4)
    assert len(c.signal) != len(a.signal) or not np.allclose(c.signal, a.signal)


def test_heart_rate_sets_the_mean_interval():
    ecg = synthetic_ecg(num_beats=80, heart_rate=60.0, abnormal_rate=0.0, seed=0)
    rr = np.diff(ecg.r_peaks) / ecg.fs
    assert np.mean(rr) == pytest.approx(1.0, abs=0.03)


def test_abnormal_beats_are_premature_and_never_in_pairs():
    ecg = synthetic_ecg(num_beats=300, abnormal_rate=0.2, seed=0)
    pvc = np.flatnonzero(ecg.abnormal)
    assert len(pvc) > 10
    assert not ecg.abnormal[:2].any()
    assert not np.any(ecg.abnormal[1:] & ecg.abnormal[:-1])
    rr = np.diff(ecg.r_peaks) / ecg.fs  # rr[i - 1] is the interval before beat i
    normal_rr = np.median(rr)
    assert np.all(rr[pvc - 1] < 0.8 * normal_rr)


def test_no_abnormal_beats_when_the_rate_is_zero():
    assert not synthetic_ecg(num_beats=100, abnormal_rate=0.0, seed=0).abnormal.any()


@pytest.mark.parametrize("seed", range(6))
def test_find_beats_finds_every_true_r_peak(seed):
    ecg = synthetic_ecg(seed=seed)
    peaks = find_beats(ecg.signal, ecg.fs)
    assert len(peaks) == ecg.num_beats
    assert np.max(np.abs(peaks - ecg.r_peaks)) <= 3  # samples, i.e. 12 ms at 250 Hz


def test_segment_beats_shape_alignment_and_edges():
    ecg = synthetic_ecg(num_beats=10, seed=0)
    beats = segment_beats(ecg.signal, ecg.r_peaks, ecg.fs, before_s=0.2, after_s=0.4)
    assert beats.shape == (10, 50 + 100)
    # Each window holds its R peak, the largest value, 0.2 s in.
    assert np.all(np.abs(beats.argmax(axis=1) - 50) <= 3)
    # A peak at the first sample is padded on the left rather than dropped.
    edge = segment_beats(ecg.signal, np.array([0]), ecg.fs, before_s=0.2, after_s=0.4)
    assert edge.shape == (1, 150)
    assert np.allclose(edge[0, :50], edge[0, 0])


def test_beat_scores_separate_abnormal_from_normal_beats():
    ecg = synthetic_ecg(num_beats=100, abnormal_rate=0.1, seed=2)
    scores = beat_scores(segment_beats(ecg.signal, ecg.r_peaks, ecg.fs))
    assert scores.shape == (100,)
    assert scores[ecg.abnormal].min() > 2 * scores[~ecg.abnormal].max()


def test_beat_scores_of_identical_beats_are_zero():
    beats = np.tile(np.sin(np.linspace(0, 3, 40)), (5, 1))
    assert np.allclose(beat_scores(beats), 0)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"num_beats": 0}, ValueError, "num_beats must be a positive int"),
        ({"num_beats": 2.5}, TypeError, "num_beats must be an int"),
        ({"fs": -1.0}, ValueError, "fs must be positive"),
        ({"heart_rate": 0}, ValueError, "heart_rate must be positive"),
        ({"abnormal_rate": 1.0}, ValueError, r"abnormal_rate must be in \[0, 1\)"),
        ({"noise": -0.1}, ValueError, "noise must be non-negative"),
    ],
)
def test_synthetic_ecg_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        synthetic_ecg(**kwargs)


def test_helpers_reject_bad_inputs():
    with pytest.raises(ValueError, match="non-empty 1-D array"):
        find_beats(np.zeros((3, 3)), 250.0)
    with pytest.raises(ValueError, match="min_rr_s must be positive"):
        find_beats(np.zeros(100), 250.0, min_rr_s=0)
    with pytest.raises(ValueError, match=r"peaks must lie in \[0, 99\]"):
        segment_beats(np.zeros(100), np.array([5, 100]), 250.0)
    with pytest.raises(ValueError, match="peaks must be a non-empty 1-D array"):
        segment_beats(np.zeros(100), np.array([1.5]), 250.0)
    with pytest.raises(ValueError, match=r"shape \(num_beats, window\)"):
        beat_scores(np.zeros(10))


# --- properties, on drawn inputs ---------------------------------------------------


@FAST
@given(num_beats=st.integers(5, 15), seed=st.integers(0, 99))
def test_beats_are_found_and_cut_out(num_beats, seed):
    ecg = signals.synthetic_ecg(num_beats, noise=0.0, seed=seed)
    peaks = np.asarray(signals.find_beats(ecg.signal, ecg.fs))
    assert np.all(np.diff(peaks) > 0)
    assert abs(len(peaks) - len(ecg.r_peaks)) <= 2
    inner = peaks[(peaks > ecg.fs) & (peaks < len(ecg.signal) - ecg.fs)]
    beats = np.asarray(signals.segment_beats(ecg.signal, inner, ecg.fs))
    assert beats.ndim == 2 and len(beats) == len(inner)
    assert np.shape(signals.beat_scores(beats)) == (len(inner),)


@pytest.mark.parametrize("fs", [0, -250.0])
def test_find_beats_rejects_bad_sampling_rates(fs):
    with pytest.raises(ValueError, match="fs must be positive"):
        signals.find_beats(np.zeros(100), fs)
