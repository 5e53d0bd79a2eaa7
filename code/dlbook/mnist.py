"""MNIST: its four published files, read from IDX, fetched when missing, split.

The 70,000 28x28 handwritten digits of MNIST are published as four gzip-compressed
IDX files with known MD5s. :func:`read_idx` reads one, :func:`fetch_mnist` makes
sure all four are on disk and intact (downloading them with
:func:`dlbook.download.download`), and :func:`load_mnist` returns them as
:class:`dlbook.data.Splits`, the form every data set of the book takes.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from dlbook import _checks
from dlbook.data import Splits
from dlbook.download import DownloadError, download, md5sum

MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
# file name -> published MD5 of the gzip file
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
# Mean and standard deviation of the pixels of MNIST's 60,000 training images (in
# [0, 1]), the workshop's normalisation.
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
# IDX magic number: two zero bytes, a type code (0x08 = unsigned byte), the number of
# dimensions
_IDX_UBYTE = 0x08


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (gzip-compressed or raw) of unsigned bytes into an array.

    Raises:
        ValueError: the file is not IDX (wrong magic number), is not unsigned bytes,
            or holds fewer or more bytes than its header declares.
    """
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(2)
    opener = gzip.open if head == b"\x1f\x8b" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as err:
        raise ValueError(f"{path} is not a readable IDX file: {err}") from err
    if len(data) < 4:
        raise ValueError(f"{path} is too short to be an IDX file ({len(data)} bytes)")
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or ndim == 0:
        raise ValueError(
            f"{path} is not an IDX file: magic number {data[:4].hex()} should start "
            "with two zero bytes and give at least one dimension"
        )
    if dtype != _IDX_UBYTE:
        raise ValueError(
            f"{path}: IDX type code 0x{dtype:02x} is not supported, expected 0x08 "
            "(unsigned byte)"
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path} is truncated inside its header")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = math.prod(shape)  # Python ints: no overflow for absurd headers
    if len(data) - header != expected:
        raise ValueError(
            f"{path}: the header declares shape {shape} ({expected} bytes of data) "
            f"but the file holds {len(data) - header}; it is truncated or corrupt"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def fetch_mnist(root: str | os.PathLike = "data/mnist", *,
                mirrors: tuple[str, ...] = MNIST_MIRRORS, timeout: float = 30.0,
                deadline: float = 600.0) -> Path:
    """Make sure the four MNIST files are in ``root`` with their published MD5s.

    A file already present and intact is kept; a missing or corrupt one is fetched
    again, trying each mirror in turn. A fetched file is kept only when its MD5 is
    the published one and it reads as an IDX file.

    Args:
        root: the folder for the four files.
        mirrors: base addresses (``http(s)://...``) tried in order.
        timeout: seconds to wait for a server before trying the next mirror.
        deadline: seconds one file's transfer may take before the next mirror is
            tried (the largest file is about 10 MB).

    Raises:
        DownloadError: a file could not be fetched intact from any mirror.
        PermissionError, OSError: ``root`` cannot be written.
    """
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root must be a path, got {type(root).__name__}")
    if (isinstance(mirrors, (str, bytes)) or not isinstance(mirrors, Sequence)
            or not mirrors or not all(isinstance(m, str) for m in mirrors)):
        raise TypeError(f"mirrors must be a non-empty tuple of URL strings, got "
                        f"{mirrors!r}")
    timeout = _checks.positive("timeout", timeout)
    deadline = _checks.positive("deadline", deadline)
    root = Path(root)
    for name, md5 in MNIST_FILES.items():
        target = root / name
        if target.is_file() and md5sum(target) == md5:
            continue
        errors = []
        for mirror in mirrors:
            try:
                download(mirror.rstrip("/") + "/" + name, target, md5=md5,
                         timeout=timeout, deadline=deadline, check=read_idx)
                break
            except DownloadError as err:
                errors.append(str(err))
        else:
            raise DownloadError(
                f"could not fetch {name} from any mirror:\n  " + "\n  ".join(errors)
            )
    return root


def load_mnist(root: str | os.PathLike = "data/mnist", *, download: bool = True,
               val_size: float = 1 / 6, seed: int = 0) -> Splits:
    """MNIST as :class:`dlbook.data.Splits`: ``(N, 1, 28, 28)`` in [0, 1].

    The official 10,000 test images stay the test set; a stratified, seeded
    ``val_size`` share of the 60,000 training images becomes the validation set
    (by default 10,000, leaving 50,000 for training, as in the workshop).
    """
    from sklearn.model_selection import train_test_split

    val_size = _checks.fraction("val_size", val_size)
    seed = _checks.seed(seed)
    if not isinstance(download, bool):
        raise TypeError(f"download must be True or False, got {download!r}")
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root must be a path, got {type(root).__name__}")
    root = Path(root)
    if download:
        fetch_mnist(root)
    arrays = {}
    for name in MNIST_FILES:
        path = root / name
        if not path.exists():
            raise FileNotFoundError(
                f"{path} is missing: call load_mnist(download=True) or fetch_mnist()"
            )
        arrays[name.split("-idx")[0]] = read_idx(path)
    X_all, y_all = arrays["train-images"], arrays["train-labels"]
    X_test, y_test = arrays["t10k-images"], arrays["t10k-labels"]
    for X, y, what in ((X_all, y_all, "train"), (X_test, y_test, "t10k")):
        if X.ndim != 3 or y.ndim != 1 or len(X) != len(y):
            raise ValueError(
                f"MNIST {what} files disagree: images {X.shape}, labels {y.shape}; "
                "expected (N, H, W) images and N labels"
            )
    X_train, X_val, y_train, y_val = train_test_split(
        X_all, y_all, test_size=val_size, stratify=y_all, random_state=seed
    )

    def images(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(a.astype(np.float32) / 255.0)[:, None]  # (N, 1, H, W)

    def labels(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(a.astype(np.int64))

    return Splits(images(X_train), labels(y_train), images(X_val), labels(y_val),
                  images(X_test), labels(y_test))

