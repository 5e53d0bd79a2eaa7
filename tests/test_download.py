"""The MNIST download under faults, against a local HTTP server (never the internet).

A truncated file, a wrong checksum, a file that is not IDX, no network, a server that
stops answering and a folder that cannot be written each give a clear error, leave no
partial file behind (neither a ``*.part`` nor the target), and a later call succeeds
once the cause is gone. The server listens on 127.0.0.1 on a free port and is always
stopped; the "MNIST" files are small IDX files written here, with their MD5s patched
into ``dlbook.data.MNIST_FILES``.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import struct
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers.server import Answer, LocalServer, free_port

from dlbook import data
from dlbook.data import DownloadError

TRAIN, TEST = 60, 20  # examples: 6 and 2 of each digit
SIDE = 4  # 4x4 "digits" keep the files tiny


def idx(array: np.ndarray) -> bytes:
    """``array`` (uint8) as a gzip-compressed IDX file, like the published ones."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.tobytes(), mtime=0)


def md5(blob: bytes) -> str:
    return hashlib.md5(blob).hexdigest()


@pytest.fixture
def files(monkeypatch) -> dict[str, bytes]:
    """Four small IDX files under the MNIST names; their MD5s become the published ones."""
    rng = np.random.default_rng(0)
    blobs = {
        "train-images-idx3-ubyte.gz": idx(rng.integers(0, 256, (TRAIN, SIDE, SIDE),
                                                      dtype=np.uint8)),
        "train-labels-idx1-ubyte.gz": idx(np.arange(TRAIN, dtype=np.uint8) % 10),
        "t10k-images-idx3-ubyte.gz": idx(rng.integers(0, 256, (TEST, SIDE, SIDE),
                                                     dtype=np.uint8)),
        "t10k-labels-idx1-ubyte.gz": idx(np.arange(TEST, dtype=np.uint8) % 10),
    }
    assert list(blobs) == list(data.MNIST_FILES), "the test must mirror the real names"
    monkeypatch.setattr(data, "MNIST_FILES", {name: md5(b) for name, b in blobs.items()})
    return blobs


@pytest.fixture
def server(files):
    """A mirror on 127.0.0.1 serving the four files; stopped after the test."""
    with LocalServer() as srv:
        for name, blob in files.items():
            srv.answers["/mnist/" + name] = Answer(blob)
        yield srv


def mirror(server: LocalServer) -> tuple[str, ...]:
    return (server.url + "mnist/",)


def leftovers(folder: Path) -> list[str]:
    """Partial downloads: ``*.part`` files anywhere below ``folder``."""
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".part"))


def assert_complete(root: Path, files: dict[str, bytes]) -> None:
    assert sorted(p.name for p in root.iterdir()) == sorted(files), "only the 4 files"
    for name, blob in files.items():
        assert (root / name).read_bytes() == blob, name


def test_fetch_then_load_from_a_local_mirror(tmp_path, files, server):
    root = tmp_path / "mnist"
    assert data.fetch_mnist(root, mirrors=mirror(server), timeout=5) == root
    assert_complete(root, files)
    splits = data.load_mnist(root, download=False)
    # the workshop's proportions: 50,000 / 10,000 of the 60,000 training images
    assert splits.sizes() == {"train": 50, "validation": 10, "test": TEST}
    assert splits.input_shape == (1, SIDE, SIDE) and splits.X_train.dtype == torch.float32
    assert 0 <= float(splits.X_train.min()) and float(splits.X_train.max()) <= 1
    assert sorted(splits.y_val.tolist()) == list(range(10)), "stratified validation set"
    # intact files are kept: a second call asks the server for nothing
    server.requests.clear()
    data.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    assert server.requests == []


def test_a_mirror_without_the_file_falls_back_to_the_next(tmp_path, files, server):
    root = tmp_path / "mnist"
    data.fetch_mnist(root, mirrors=(server.url + "gone/", server.url + "mnist"),
                     timeout=5)  # the second without its trailing slash
    assert_complete(root, files)
    assert "/gone/train-images-idx3-ubyte.gz" in server.requests


def test_all_mirrors_failing_names_the_file_and_each_error(tmp_path, files, server):
    with pytest.raises(DownloadError, match=r"could not fetch train-images-idx3-ubyte.gz "
                                            r"from any mirror:\n.*HTTP 404"):
        data.fetch_mnist(tmp_path / "m", mirrors=(server.url + "a/", server.url + "b/"),
                         timeout=5)
    assert not (tmp_path / "m").exists() or list((tmp_path / "m").iterdir()) == []


@pytest.mark.parametrize("name", ["train-images-idx3-ubyte.gz",
                                  "t10k-labels-idx1-ubyte.gz"])
def test_a_truncated_file_is_refused_then_fetched_again(tmp_path, files, server, name):
    root = tmp_path / "mnist"
    full = files[name]
    server.answers["/mnist/" + name] = Answer(full, cut=len(full) // 2)
    with pytest.raises(DownloadError, match=rf"{name} was cut off: received "
                                            rf"{len(full) // 2} of the {len(full)} bytes"):
        data.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    assert not (root / name).exists() and leftovers(tmp_path) == []
    server.answers["/mnist/" + name] = Answer(full)  # the connection is back
    data.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    assert_complete(root, files)


def test_a_truncated_download_without_a_checksum_is_refused(tmp_path, server, files):
    name = "train-labels-idx1-ubyte.gz"
    server.answers["/mnist/" + name] = Answer(files[name], cut=10)
    with pytest.raises(DownloadError, match="cut off"):
        data.download(server.url + "mnist/" + name, tmp_path / name, timeout=5)
    assert list(tmp_path.iterdir()) == []


def test_a_wrong_checksum_is_refused_then_fetched_again(tmp_path, files, server):
    root = tmp_path / "mnist"
    name = "train-labels-idx1-ubyte.gz"
    other = idx(np.zeros(TRAIN, dtype=np.uint8))  # a valid IDX file, but not this one
    server.answers["/mnist/" + name] = Answer(other)
    with pytest.raises(DownloadError,
                       match=rf"arrived with MD5 {md5(other)}, expected the published "
                             rf"{data.MNIST_FILES[name]}"):
        data.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    assert not (root / name).exists() and leftovers(tmp_path) == []
    server.answers["/mnist/" + name] = Answer(files[name])
    data.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    assert_complete(root, files)


PORTAL = b"<!doctype html><title>Sign in to the network</title><p>Please log in.</p>\n"


def test_a_page_that_is_not_idx_is_refused_then_fetched_again(tmp_path, files, server,
                                                              monkeypatch):
    root = tmp_path / "mnist"
    name = "t10k-images-idx3-ubyte.gz"
    server.answers["/mnist/" + name] = Answer(PORTAL)  # a captive portal answers 200
    with pytest.raises(DownloadError, match="expected the published"):
        data.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    assert not (root / name).exists() and leftovers(tmp_path) == []
    # even when the checksum matches (a mirror that publishes the wrong file), a file
    # that does not read as IDX is never put in place
    monkeypatch.setitem(data.MNIST_FILES, name, md5(PORTAL))
    with pytest.raises(DownloadError, match=rf"{name} is not the expected file: .* "
                                            "is not an IDX file"):
        data.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    assert not (root / name).exists() and leftovers(tmp_path) == []
    monkeypatch.setitem(data.MNIST_FILES, name, md5(files[name]))
    server.answers["/mnist/" + name] = Answer(files[name])
    data.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    assert_complete(root, files)


def test_a_non_idx_file_on_disk_is_named_then_replaced(tmp_path, files, server):
    root = tmp_path / "mnist"
    data.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    name = "train-images-idx3-ubyte.gz"
    (root / name).write_bytes(PORTAL)  # put there by hand, or by another tool
    with pytest.raises(ValueError, match=rf"{name} is not an IDX file"):
        data.load_mnist(root, download=False)
    data.fetch_mnist(root, mirrors=mirror(server), timeout=5)  # checksum differs: refetch
    assert_complete(root, files)
    assert data.load_mnist(root, download=False).sizes()["test"] == TEST


def test_no_network_is_a_clear_error_then_works_when_back(tmp_path, files):
    root = tmp_path / "mnist"
    port = free_port()  # nothing listens there: the connection is refused
    with pytest.raises(DownloadError, match=r"could not download http://127\.0\.0\.1:"
                                            rf"{port}/mnist/.*Are you offline\?"):
        data.fetch_mnist(root, mirrors=(f"http://127.0.0.1:{port}/mnist/",), timeout=5)
    assert leftovers(tmp_path) == [] and (not root.exists() or not any(root.iterdir()))
    with LocalServer() as server:  # the network is back
        for name, blob in files.items():
            server.answers["/mnist/" + name] = Answer(blob)
        data.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    assert_complete(root, files)


def test_a_server_that_stops_answering_times_out(tmp_path, files, server):
    name = "train-images-idx3-ubyte.gz"
    server.answers["/mnist/" + name] = Answer(hang=30)
    with pytest.raises(DownloadError, match="could not download .*timed out"):
        data.fetch_mnist(tmp_path, mirrors=mirror(server), timeout=0.5)
    assert list(tmp_path.iterdir()) == []
    server.answers["/mnist/" + name] = Answer(files[name])
    data.fetch_mnist(tmp_path, mirrors=mirror(server), timeout=5)
    assert_complete(tmp_path, files)


def test_an_interrupted_download_leaves_nothing(tmp_path, files, server):
    def interrupt(path):
        raise KeyboardInterrupt  # Ctrl-C while the file is being verified

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(data, "md5sum", interrupt)
        with pytest.raises(KeyboardInterrupt):
            data.fetch_mnist(tmp_path, mirrors=mirror(server), timeout=5)
    assert list(tmp_path.iterdir()) == []
    data.fetch_mnist(tmp_path, mirrors=mirror(server), timeout=5)
    assert_complete(tmp_path, files)


def test_a_file_in_the_way_of_the_folder(tmp_path, files, server):
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    root = blocker / "mnist"
    with pytest.raises(OSError, match=rf"cannot create a file in {root}: choose a "
                                      "writable data folder"):
        data.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    assert blocker.read_text() == "not a folder" and leftovers(tmp_path) == []
    assert server.requests == [], "nothing is downloaded when it cannot be kept"
    blocker.unlink()
    data.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    assert_complete(root, files)


class _AsNobody:
    """Drop the effective user to ``nobody`` for a block, when running as root.

    Root may write anywhere, whatever the folder's mode says; a download run as root
    would never see a read-only folder. The effective user id is restored on exit.
    """

    NOBODY = 65534

    def __enter__(self):
        self.root = os.geteuid() == 0
        if self.root:
            try:
                os.setegid(self.NOBODY)
                os.seteuid(self.NOBODY)
            except PermissionError:
                os.setegid(0)
                pytest.skip("running as root without the right to change the "
                            "effective user: a read-only folder cannot be simulated; "
                            "test_a_file_in_the_way_of_the_folder covers the error path")
        return self

    def __exit__(self, *exc):
        if self.root:
            os.seteuid(0)
            os.setegid(0)


def test_a_folder_that_cannot_be_written(files, server):
    # When we are root the download runs as nobody, so every folder above must be
    # traversable: a fresh folder in the system's temporary folder, not pytest's.
    base = Path(tempfile.mkdtemp(prefix="dlbook-readonly-"))
    base.chmod(0o755)
    root = base / "mnist"
    root.mkdir()
    root.chmod(0o555)
    try:
        # as ourselves first, so the download code is fully imported before the
        # effective user changes (nobody may not read the interpreter's files)
        data.fetch_mnist(base / "warm-up", mirrors=mirror(server), timeout=5)
        with _AsNobody():
            with pytest.raises(PermissionError, match=rf"cannot write to {root}: choose "
                                                      "a writable data folder"):
                data.fetch_mnist(root, mirrors=mirror(server), timeout=5)
        assert list(root.iterdir()) == []
        root.chmod(0o777)  # the cause is gone
        with _AsNobody():
            data.fetch_mnist(root, mirrors=mirror(server), timeout=5)
        assert_complete(root, files)
    finally:
        root.chmod(0o755)
        shutil.rmtree(base)
