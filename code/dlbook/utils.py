"""Seeding, device choice and the build profile, shared by every chapter."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

from dlbook import _checks as checks

PROFILES = ("quick", "full")


def set_seed(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and torch; return a torch generator seeded the same way.

    Args:
        seed: a non-negative integer.

    Returns:
        A ``torch.Generator`` for code that wants its own stream of random numbers.
    """
    seed = checks.seed(seed)  # [0, 2**32): what NumPy, scikit-learn and torch all take
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def get_device(device: str | torch.device | None = None) -> torch.device:
    """Choose the device once: the one asked for, else CUDA when present, else the CPU.

    Args:
        device: ``None`` (choose automatically), ``"cpu"``, ``"cuda"``, ``"cuda:N"``
            or ``"mps"``.

    Raises:
        ValueError: the name is not a device torch knows, or it is not available here.
    """
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if isinstance(device, torch.device):
        chosen = device
    elif isinstance(device, str):
        try:
            chosen = torch.device(device)
        except RuntimeError as err:
            raise ValueError(
                f"device must be 'cpu', 'cuda', 'cuda:N' or 'mps', got {device!r}"
            ) from err
    else:
        raise TypeError(
            f"device must be a str, a torch.device or None, got {type(device).__name__}"
        )
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} was asked for, but CUDA is not available")
    if chosen.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device {device!r} was asked for, but MPS is not available")
    if chosen.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'mps', got {device!r}")
    return chosen


def get_profile() -> str:
    """Return the build profile: ``"full"`` or ``"quick"``.

    ``DLBOOK_PROFILE`` decides when set; otherwise a machine with a CUDA GPU gets
    ``"full"`` (full MNIST, the workshop's settings) and any other gets ``"quick"``
    (the 8x8 digits that ship with scikit-learn, seconds on a laptop CPU).
    """
    profile = os.environ.get("DLBOOK_PROFILE", "").strip().lower()
    if not profile:
        return "full" if torch.cuda.is_available() else "quick"
    if profile not in PROFILES:
        raise ValueError(
            f"DLBOOK_PROFILE must be one of {PROFILES}, got {profile!r}"
        )
    return profile
