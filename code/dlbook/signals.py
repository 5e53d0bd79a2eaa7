"""A synthetic electrocardiogram (ECG) with abnormal beats, and the tools to find them.

One heartbeat of an ECG is a sequence of waves: a small P wave (the atria contract),
the sharp QRS complex (the ventricles contract) and a T wave (they recover). Here each
wave is a Gaussian bump, as in the dynamical model of McSharry et al. (2003):

    x(t) = sum over beats b, waves w of  a_w exp(-(t - t_b - mu_w)^2 / (2 sigma_w^2))

plus a slow baseline wander and white noise. A few beats are *premature ventricular
contractions* (PVCs): they come early, have no P wave, a wide QRS and an inverted T
wave, and are followed by a longer pause. The chapter "Machine learning tasks" uses the
record as its 1-D signal and finds the abnormal beats without ever seeing a label.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlbook import _checks as checks

# (amplitude in mV, centre in s relative to the R peak, width sigma in s)
NORMAL_WAVES = {
    "P": (0.15, -0.20, 0.025),
    "Q": (-0.12, -0.035, 0.010),
    "R": (1.00, 0.0, 0.010),
    "S": (-0.25, 0.035, 0.010),
    "T": (0.30, 0.25, 0.045),
}
ABNORMAL_WAVES = {
    "R": (1.20, 0.0, 0.030),
    "S": (-0.45, 0.075, 0.025),
    "T": (-0.35, 0.30, 0.060),
}


@dataclass(frozen=True)
class ECG:
    """A sampled ECG record and the truth about its beats.

    Attributes:
        signal: the voltage in mV, shape ``(num_samples,)``.
        fs: sampling rate in Hz.
        r_peaks: sample index of each beat's R peak, shape ``(num_beats,)``.
        abnormal: whether each beat is a premature ventricular contraction,
            shape ``(num_beats,)``, bool.
    """

    signal: np.ndarray
    fs: float
    r_peaks: np.ndarray
    abnormal: np.ndarray

    @property
    def t(self) -> np.ndarray:
        """Time of each sample in seconds, shape ``(num_samples,)``."""
        return np.arange(len(self.signal)) / self.fs

    @property
    def num_beats(self) -> int:
        return len(self.r_peaks)


def synthetic_ecg(
    num_beats: int = 60,
    *,
    fs: float = 250.0,
    heart_rate: float = 72.0,
    abnormal_rate: float = 0.08,
    noise: float = 0.02,
    wander: float = 0.10,
    seed: int = 0,
) -> ECG:
    """Sample a seeded synthetic ECG with a few premature ventricular contractions.

    Args:
        num_beats: number of heartbeats in the record.
        fs: sampling rate in Hz.
        heart_rate: mean rate of the normal rhythm in beats per minute.
        abnormal_rate: probability that a beat (other than the first two) is a PVC;
            two PVCs never follow each other.
        noise: standard deviation of the white measurement noise, in mV.
        wander: amplitude of the slow baseline wander (breathing), in mV.
        seed: seeds every random choice, so one seed gives one record.

    Returns:
        An :class:`ECG` whose ``signal`` has shape ``(num_samples,)``.
    """
    num_beats = checks.positive_int("num_beats", num_beats)
    fs = checks.positive("fs", fs)
    heart_rate = checks.positive("heart_rate", heart_rate)
    checks.fraction("abnormal_rate", abnormal_rate, low_open=False)
    noise = checks.non_negative("noise", noise)
    wander = checks.non_negative("wander", wander)
    rng = np.random.default_rng(checks.seed(seed))

    abnormal = np.zeros(num_beats, dtype=bool)
    for b in range(2, num_beats):
        abnormal[b] = not abnormal[b - 1] and rng.random() < abnormal_rate
    rr = 60.0 / heart_rate * (1 + 0.03 * rng.standard_normal(num_beats))
    # A PVC comes early and the next beat late ("compensatory pause").
    rr[abnormal] *= 0.65
    rr[np.flatnonzero(abnormal[:-1]) + 1] *= 1.35
    beat_times = 0.6 + np.concatenate([[0.0], np.cumsum(rr[1:])])  # (num_beats,)

    duration = beat_times[-1] + 0.7
    t = np.arange(int(round(duration * fs))) / fs  # (num_samples,)
    x = np.zeros_like(t)
    for time, is_pvc in zip(beat_times, abnormal):
        gain = 1 + 0.05 * rng.standard_normal()
        waves = ABNORMAL_WAVES if is_pvc else NORMAL_WAVES
        # Every wave has decayed to nothing 0.6 s from its R peak: add only there.
        near = slice(max(0, int((time - 0.6) * fs)), int((time + 0.6) * fs) + 1)
        for amplitude, mu, sigma in waves.values():
            x[near] += gain * amplitude * np.exp(-((t[near] - time - mu) ** 2)
                                                 / (2 * sigma**2))
    x += wander * np.sin(2 * np.pi * 0.25 * t + rng.uniform(0, 2 * np.pi))
    x += noise * rng.standard_normal(len(t))
    r_peaks = np.round(beat_times * fs).astype(int)
    return ECG(signal=x, fs=float(fs), r_peaks=r_peaks, abnormal=abnormal)


def _as_signal(signal) -> np.ndarray:
    x = np.asarray(signal, dtype=float)
    if x.ndim != 1 or len(x) == 0:
        raise ValueError(f"signal must be a non-empty 1-D array, got shape {x.shape}")
    return x


def _as_beats(beats) -> np.ndarray:
    beats = np.asarray(beats, dtype=float)
    if beats.ndim != 2 or beats.shape[0] == 0 or beats.shape[1] == 0:
        raise ValueError(f"beats must have shape (num_beats, window), got "
                         f"{beats.shape}")
    return beats


def find_beats(signal, fs: float, *, min_rr_s: float = 0.3) -> np.ndarray:
    """Find the R peaks of an ECG: the tallest, sharpest peak of each beat.

    The slow baseline is removed with a one-second moving average; then every peak
    taller than half the typical R height, and at least ``min_rr_s`` after the last,
    counts as a beat.

    Args:
        signal: the ECG, shape ``(num_samples,)``.
        fs: sampling rate in Hz.
        min_rr_s: the shortest possible time between two beats, in seconds.

    Returns:
        Sample indices of the R peaks, shape ``(num_beats,)``, increasing.
    """
    from scipy.ndimage import uniform_filter1d
    from scipy.signal import find_peaks

    x = _as_signal(signal)
    fs, min_rr_s = checks.positive("fs", fs), checks.positive("min_rr_s", min_rr_s)
    x = x - uniform_filter1d(x, size=max(1, int(fs)), mode="nearest")
    height = 0.5 * np.percentile(x, 99.5)
    peaks, _ = find_peaks(x, height=height, distance=max(1, int(min_rr_s * fs)))
    return peaks


def segment_beats(signal, peaks, fs: float, *, before_s: float = 0.3,
                  after_s: float = 0.45) -> np.ndarray:
    """Cut one window around each R peak, with its median subtracted.

    Windows that run over either end of the record are padded with the end value,
    so there is exactly one row per peak.

    Args:
        signal: the ECG, shape ``(num_samples,)``.
        peaks: sample indices of the R peaks, shape ``(num_beats,)``.
        fs: sampling rate in Hz.
        before_s, after_s: how much of the signal to keep before and after the peak.

    Returns:
        The beats, shape ``(num_beats, window)`` with
        ``window = round(before_s * fs) + round(after_s * fs)``.
    """
    x = _as_signal(signal)
    fs = checks.positive("fs", fs)
    before_s = checks.positive("before_s", before_s)
    after_s = checks.positive("after_s", after_s)
    peaks = np.asarray(peaks)
    if peaks.ndim != 1 or len(peaks) == 0 or not np.issubdtype(peaks.dtype, np.integer):
        raise ValueError(
            f"peaks must be a non-empty 1-D array of sample indices, got {peaks!r}"
        )
    if peaks.min() < 0 or peaks.max() >= len(x):
        raise ValueError(
            f"peaks must lie in [0, {len(x) - 1}], got {peaks.min()}..{peaks.max()}"
        )
    before, after = int(round(before_s * fs)), int(round(after_s * fs))
    padded = np.pad(x, (before, after), mode="edge")
    # Peak p sits at p + before in the padded signal; its window starts at p.
    beats = np.stack([padded[p:p + before + after] for p in peaks])
    return beats - np.median(beats, axis=1, keepdims=True)


def beat_scores(beats) -> np.ndarray:
    """How unusual each beat is: its RMS distance from the median beat.

    The median over beats is a template of the typical beat that a few abnormal
    beats cannot drag away, so the abnormal ones stand out with large scores.

    Args:
        beats: aligned beats, shape ``(num_beats, window)``.

    Returns:
        One score per beat in the signal's unit, shape ``(num_beats,)``.
    """
    beats = _as_beats(beats)  # (num_beats, window), floats
    template = np.median(beats, axis=0)  # (window,)
    return np.sqrt(np.mean((beats - template) ** 2, axis=1))
