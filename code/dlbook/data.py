"""Data sets of the book: the 8x8 digits that ship with scikit-learn, and real MNIST.

Both come back as the same :class:`Splits`: images of shape ``(N, 1, H, W)`` as float32
in [0, 1] and integer labels, split into train, validation and test sets in a stratified,
seeded way. Chapters use the digits by default (seconds on a CPU) and MNIST in the full
profile (see :func:`dlbook.utils.get_profile`).
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import math
import numbers
import os
import re
import struct
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import TensorDataset

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
# IDX magic number: two zero bytes, a type code (0x08 = unsigned byte), the number of dims
_IDX_UBYTE = 0x08


class DownloadError(RuntimeError):
    """A file could not be fetched, or what was fetched is not what was published."""


@dataclass(frozen=True)
class Splits:
    """Train, validation and test tensors; images ``(N, 1, H, W)``, labels ``(N,)``."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_val: torch.Tensor
    y_val: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one example, ``(channels, height, width)``."""
        return tuple(self.X_train.shape[1:])

    @property
    def num_classes(self) -> int:
        return int(torch.cat([self.y_train, self.y_val, self.y_test]).max()) + 1

    def datasets(self) -> tuple[TensorDataset, TensorDataset, TensorDataset]:
        """The three splits as ``TensorDataset``s, ready for a ``DataLoader``."""
        return (
            TensorDataset(self.X_train, self.y_train),
            TensorDataset(self.X_val, self.y_val),
            TensorDataset(self.X_test, self.y_test),
        )

    def sizes(self) -> dict[str, int]:
        return {
            "train": len(self.y_train),
            "validation": len(self.y_val),
            "test": len(self.y_test),
        }


def _check_fraction(name: str, value: float) -> None:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number in (0, 1), got {type(value).__name__}")
    if not 0 < value < 1:
        raise ValueError(f"{name} must be in (0, 1), got {value}")


def _check_seed(seed) -> int:
    # scikit-learn's random_state takes seeds in [0, 2**32)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    return int(seed)


def split_stratified(
    X: np.ndarray,
    y: np.ndarray,
    *,
    val_size: float = 0.2,
    test_size: float = 0.2,
    seed: int = 0,
) -> Splits:
    """Split arrays into stratified train/validation/test tensors.

    Args:
        X: images, shape ``(N, 1, H, W)``, values in [0, 1].
        y: integer labels, shape ``(N,)``.
        val_size, test_size: fractions of the whole data set.
        seed: fixes which examples land in which split.
    """
    from sklearn.model_selection import train_test_split

    _check_fraction("val_size", val_size)
    _check_fraction("test_size", test_size)
    if val_size + test_size >= 1:
        raise ValueError(
            f"val_size + test_size must be below 1, got {val_size} + {test_size}"
        )
    seed = _check_seed(seed)
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 4 or X.shape[1] != 1:
        raise ValueError(f"X must have shape (N, 1, H, W), got {X.shape}")
    if y.shape != (len(X),):
        raise ValueError(f"y must have shape ({len(X)},) to match X, got {y.shape}")
    if len(X) == 0:
        raise ValueError("X is empty: expected at least one example")
    if X.dtype.kind not in "biuf":
        raise TypeError(
            f"X must hold numbers (pixel values in [0, 1]), got dtype {X.dtype}")
    if not np.all((X >= 0) & (X <= 1)):  # also False for NaN
        raise ValueError("X must hold pixel values in [0, 1]; scale the images first, "
                         "and check for NaN")
    if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        y = y.astype(np.int64)  # whole numbers stored as floats are fine
    if y.dtype.kind not in "biu":
        raise TypeError(f"y must hold integer class labels, got dtype {y.dtype}")
    if y.min() < 0:
        raise ValueError(f"y must hold class labels 0, 1, 2, ..., got {y.min()}")
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest,
        y_rest,
        test_size=val_size / (1 - test_size),
        stratify=y_rest,
        random_state=seed,
    )

    def images(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))

    def labels(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(a, dtype=np.int64))

    return Splits(
        images(X_train), labels(y_train),
        images(X_val), labels(y_val),
        images(X_test), labels(y_test),
    )


def load_digits(
    *, val_size: float = 0.2, test_size: float = 0.2, seed: int = 0
) -> Splits:
    """The 1,797 8x8 handwritten digits of scikit-learn, as ``(N, 1, 8, 8)`` in [0, 1]."""
    from sklearn.datasets import load_digits as _sk_digits

    bunch = _sk_digits()
    X = (bunch.images / 16.0).astype(np.float32)[:, None]  # (N, 1, 8, 8)
    return split_stratified(X, bunch.target, val_size=val_size, test_size=test_size,
                            seed=seed)


# --- MNIST -------------------------------------------------------------------------


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


def md5sum(path: str | os.PathLike) -> str:
    """The MD5 of a file, as 32 hexadecimal digits."""
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_MD5 = re.compile(r"^[0-9a-f]{32}$")


def download(url: str, dest: str | os.PathLike, *, md5: str | None = None,
             timeout: float = 30.0,
             check: Callable[[Path], object] | None = None) -> Path:
    """Fetch ``url`` to ``dest`` atomically, checking the MD5 when one is given.

    The bytes go to a temporary file beside ``dest`` and are renamed into place only
    when complete and verified, so an interrupted or failed download leaves nothing
    half-written behind.

    Args:
        url: an ``http://`` or ``https://`` address.
        dest: the file to create (its folder is created when missing).
        md5: the published MD5 (32 hexadecimal digits), or ``None`` to skip the check.
        timeout: seconds to wait for the server before giving up.
        check: called with the complete temporary file before it is renamed into
            place; a ``ValueError`` it raises rejects the download.

    Raises:
        DownloadError: the server cannot be reached (offline?), answers with an error,
            sends fewer bytes than it announced, sends something whose MD5 is not the
            published one, or something ``check`` rejects.
        PermissionError: the folder of ``dest`` cannot be written.
        OSError: the folder of ``dest`` cannot be created (a file is in the way, ...).
    """
    if not isinstance(url, str):
        raise TypeError(f"url must be a str, got {type(url).__name__}")
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"url must start with http:// or https://, got {url!r}")
    if not isinstance(dest, (str, os.PathLike)):
        raise TypeError(f"dest must be a path, got {type(dest).__name__}")
    if md5 is not None and (not isinstance(md5, str) or not _MD5.match(md5)):
        raise ValueError(f"md5 must be 32 lowercase hexadecimal digits or None, "
                         f"got {md5!r}")
    if (isinstance(timeout, bool) or not isinstance(timeout, numbers.Real)
            or not 0 < timeout < math.inf):
        raise ValueError(
            f"timeout must be a positive number of seconds, got {timeout!r}")
    dest = Path(dest)
    folder = dest.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part",
                                        dir=folder)
    except PermissionError as err:
        raise PermissionError(
            f"cannot write to {folder}: choose a writable data folder ({err})"
        ) from err
    except OSError as err:  # a file where a folder should be, a read-only disk, ...
        raise OSError(
            err.errno, f"cannot create a file in {folder}: choose a writable data "
            f"folder ({err.strerror})"
        ) from err
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    announced = response.headers.get("Content-Length")
                    received = 0
                    for chunk in iter(lambda: response.read(1 << 20), b""):
                        out.write(chunk)
                        received += len(chunk)
            except urllib.error.HTTPError as err:
                raise DownloadError(f"{url} answered HTTP {err.code} {err.reason}") from err
            except (urllib.error.URLError, TimeoutError, ConnectionError,
                    http.client.HTTPException) as err:
                reason = getattr(err, "reason", None) or repr(err)
                raise DownloadError(
                    f"could not download {url}: {reason}. Are you offline? Put the "
                    f"file at {dest} by hand, or try again with a connection."
                ) from err
        if announced is not None and announced.isdigit() and received != int(announced):
            raise DownloadError(
                f"{url} was cut off: received {received} of the {announced} bytes the "
                "server announced (the connection dropped?); try again"
            )
        if md5 is not None:
            got = md5sum(tmp)
            if got != md5:
                raise DownloadError(
                    f"{url} arrived with MD5 {got}, expected the published {md5}: the "
                    "download is corrupt or the mirror serves another file"
                )
        if check is not None:
            try:
                check(tmp)
            except ValueError as err:
                raise DownloadError(f"{url} is not the expected file: {err}") from err
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def fetch_mnist(root: str | os.PathLike = "data/mnist", *,
                mirrors: tuple[str, ...] = MNIST_MIRRORS, timeout: float = 30.0) -> Path:
    """Make sure the four MNIST files are in ``root`` with their published MD5s.

    A file already present and intact is kept; a missing or corrupt one is fetched
    again, trying each mirror in turn. A fetched file is kept only when its MD5 is
    the published one and it reads as an IDX file.

    Args:
        root: the folder for the four files.
        mirrors: base addresses (``http(s)://...``) tried in order.
        timeout: seconds to wait for a server before trying the next mirror.

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
    root = Path(root)
    for name, md5 in MNIST_FILES.items():
        target = root / name
        if target.is_file() and md5sum(target) == md5:
            continue
        errors = []
        for mirror in mirrors:
            try:
                download(mirror.rstrip("/") + "/" + name, target, md5=md5,
                         timeout=timeout, check=read_idx)
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
    """MNIST as :class:`Splits`: ``(N, 1, 28, 28)`` in [0, 1].

    The official 10,000 test images stay the test set; a stratified, seeded
    ``val_size`` share of the 60,000 training images becomes the validation set
    (by default 10,000, leaving 50,000 for training, as in the workshop).
    """
    from sklearn.model_selection import train_test_split

    _check_fraction("val_size", val_size)
    seed = _check_seed(seed)
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


# Mean and standard deviation of the pixels of MNIST's 60,000 training images (in
# [0, 1]), the workshop's normalisation.
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


def standardise(splits: Splits, mean: float | None = None,
                std: float | None = None) -> Splits:
    """``(X - mean) / std`` on every split; by default the training images' statistics.

    One mean and one standard deviation over all pixels, taken from the training set
    only, so the validation and test images tell the model nothing about themselves.
    """
    if not isinstance(splits, Splits):
        raise TypeError(f"splits must be a Splits, got {type(splits).__name__}")
    mean = float(splits.X_train.mean()) if mean is None else mean
    std = float(splits.X_train.std()) if std is None else std
    for name, value in (("mean", mean), ("std", std)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value}")
    if std <= 0:
        raise ValueError(f"std must be positive, got {std}")

    def scale(X: torch.Tensor) -> torch.Tensor:
        return (X - mean) / std

    return Splits(scale(splits.X_train), splits.y_train, scale(splits.X_val),
                  splits.y_val, scale(splits.X_test), splits.y_test)


def load_dataset(profile: str | None = None, *, seed: int = 0,
                 root: str | os.PathLike = "data/mnist") -> Splits:
    """The lab's data for a profile: the digits (``"quick"``) or MNIST (``"full"``)."""
    from dlbook.utils import get_profile

    profile = profile or get_profile()
    if profile == "quick":
        return load_digits(seed=seed)
    if profile == "full":
        return load_mnist(root, seed=seed)
    raise ValueError(f"profile must be 'quick' or 'full', got {profile!r}")
