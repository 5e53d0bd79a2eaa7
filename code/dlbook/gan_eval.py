"""Judging a generator of images: confident, varied, every class alike.

A GAN's loss says little about its images. Two measures do better for digits: a
trained classifier recognises the samples of a good generator with confidence and in
all classes alike (:func:`judge`), and images of one class are as varied as real ones
(:func:`class_spread`). Taught in "Generative adversarial networks".
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from dlbook import _checks


@dataclass(frozen=True)
class Verdict:
    """What a classifier makes of generated images (see :func:`judge`)."""

    predicted: torch.Tensor  # (n,) most probable class of each sample
    confidence: torch.Tensor  # (n,) its probability
    share_confident: float  # share of samples with confidence >= threshold
    class_shares: torch.Tensor  # (num_classes,) share of samples predicted per class


def judge(probs: torch.Tensor, *, threshold: float = 0.9) -> Verdict:
    """Summarise a classifier's probabilities for generated images.

    A good generator of digits draws images that a good classifier recognises with
    confidence (sharp digits, not blends) and in all classes alike (no collapse).

    Args:
        probs: ``(n, num_classes)`` class probabilities, rows summing to 1
            (to within 1e-3).
        threshold: the confidence that counts as recognised.
    """
    _checks.tensor("probs", probs, ndim=2, shape="(n, num_classes)")
    if probs.numel() == 0:
        raise ValueError("probs must be a non-empty (n, num_classes) tensor, got "
                         f"{tuple(probs.shape)}")
    p = probs.double()
    sums = p.sum(dim=1)  # (n,)
    # Logits or unnormalised scores would give a verdict that means nothing.
    if not (torch.isfinite(p).all() and p.min() >= 0 and p.max() <= 1
            and (sums - 1).abs().max() <= 1e-3):
        raise ValueError(
            f"probs must be class probabilities, entries in [0, 1] with each row "
            f"summing to 1 (the softmax of logits); got entries in [{p.min():.3g}, "
            f"{p.max():.3g}] and row sums in [{sums.min():.3g}, {sums.max():.3g}]")
    threshold = _checks.fraction("threshold", threshold, high_open=False)
    confidence, predicted = probs.max(dim=1)
    shares = torch.bincount(predicted, minlength=probs.shape[1]).float() / len(probs)
    share_confident = (confidence >= threshold).float().mean().item()
    return Verdict(predicted, confidence, share_confident, shares)


def class_spread(images: torch.Tensor, labels: torch.Tensor) -> float:
    """Mean Euclidean distance between two images of the same class, over the classes.

    The classifier-based :func:`judge` cannot see a generator that draws one perfect
    image of each class over and over; this measure can. Compare it with the same
    number for real images: the closer, the more varied the generated ones.

    Args:
        images: ``(n, ...)`` images.
        labels: ``(n,)`` their classes; every class present needs two images or more.

    Returns:
        The mean over classes of the mean pairwise distance within the class (pairs
        of an image with itself included, as zeros).
    """
    _checks.tensor("images", images, finite=True)
    if images.dim() < 2 or len(images) < 2:
        raise ValueError("images must be a tensor (n, ...) with n >= 2, got shape "
                         f"{tuple(images.shape)}")
    _checks.tensor("labels", labels)
    if labels.shape != (len(images),):
        raise ValueError(f"labels must have shape ({len(images)},), "
                         f"got {tuple(labels.shape)}")
    spreads = []
    for k in labels.unique():
        members = images[labels == k].flatten(1).float()  # (n_k, pixels)
        if len(members) < 2:
            raise ValueError(f"class {int(k)} has a single image: no pairs to compare")
        spreads.append(torch.cdist(members, members).mean())
    return torch.stack(spreads).mean().item()
