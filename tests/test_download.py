"""The MNIST download under faults, against a local HTTP server (never the internet).

A truncated file, a wrong checksum, a file that is not IDX, no network, a server that
stops answering, one that answers too slowly, Ctrl-C in the middle of a transfer and a
folder that cannot be written each give a clear error, leave no partial file behind
(neither a ``*.part`` nor the target), and a later call succeeds once the cause is
gone. The server listens on 127.0.0.1 on a free port and is always stopped; the
"MNIST" files are small IDX files written here, with their MD5s patched into
``dlbook.mnist.MNIST_FILES``. Covers ``dlbook.download`` and ``dlbook.mnist.fetch_mnist``.
"""

from __future__ import annotations

import _thread
import gzip
import hashlib
import math
import os
import shutil
import signal
import struct
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers.server import Answer, LocalServer, refusing_port
from helpers.strategies import QUICK, not_numbers
from hypothesis import given
from hypothesis import strategies as st

from dlbook import mnist
from dlbook.download import STALE_PART_SECONDS, DownloadError, download

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
    assert list(blobs) == list(mnist.MNIST_FILES), "the test must mirror the real names"
    monkeypatch.setattr(mnist, "MNIST_FILES", {name: md5(b) for name, b in blobs.items()})
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
    assert mnist.fetch_mnist(root, mirrors=mirror(server), timeout=5) == root
    assert_complete(root, files)
    splits = mnist.load_mnist(root, download=False)
    # the workshop's proportions: 50,000 / 10,000 of the 60,000 training images
    assert splits.sizes() == {"train": 50, "validation": 10, "test": TEST}
    assert splits.input_shape == (1, SIDE, SIDE) and splits.X_train.dtype == torch.float32
    assert 0 <= float(splits.X_train.min()) and float(splits.X_train.max()) <= 1
    assert sorted(splits.y_val.tolist()) == list(range(10)), "stratified validation set"
    # intact files are kept: a second call asks the server for nothing
    server.requests.clear()
    mnist.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    assert server.requests == []


def test_a_mirror_without_the_file_falls_back_to_the_next(tmp_path, files, server):
    root = tmp_path / "mnist"
    mnist.fetch_mnist(root, mirrors=(server.url + "gone/", server.url + "mnist"),
                     timeout=5)  # the second without its trailing slash
    assert_complete(root, files)
    assert "/gone/train-images-idx3-ubyte.gz" in server.requests


def test_all_mirrors_failing_names_the_file_and_each_error(tmp_path, files, server):
    with pytest.raises(DownloadError, match=r"could not fetch train-images-idx3-ubyte.gz "
                                            r"from any mirror:\n.*HTTP 404"):
        mnist.fetch_mnist(tmp_path / "m", mirrors=(server.url + "a/", server.url + "b/"),
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
        mnist.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    assert not (root / name).exists() and leftovers(tmp_path) == []
    server.answers["/mnist/" + name] = Answer(full)  # the connection is back
    mnist.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    assert_complete(root, files)


def test_a_truncated_download_without_a_checksum_is_refused(tmp_path, server, files):
    name = "train-labels-idx1-ubyte.gz"
    server.answers["/mnist/" + name] = Answer(files[name], cut=10)
    with pytest.raises(DownloadError, match="cut off"):
        download(server.url + "mnist/" + name, tmp_path / name, timeout=5)
    assert list(tmp_path.iterdir()) == []


def test_a_wrong_checksum_is_refused_then_fetched_again(tmp_path, files, server):
    root = tmp_path / "mnist"
    name = "train-labels-idx1-ubyte.gz"
    other = idx(np.zeros(TRAIN, dtype=np.uint8))  # a valid IDX file, but not this one
    server.answers["/mnist/" + name] = Answer(other)
    with pytest.raises(DownloadError,
                       match=rf"arrived with MD5 {md5(other)}, expected the published "
                             rf"{mnist.MNIST_FILES[name]}"):
        mnist.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    assert not (root / name).exists() and leftovers(tmp_path) == []
    server.answers["/mnist/" + name] = Answer(files[name])
    mnist.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    assert_complete(root, files)


PORTAL = b"<!doctype html><title>Sign in to the network</title><p>Please log in.</p>\n"


def test_a_page_that_is_not_idx_is_refused_then_fetched_again(tmp_path, files, server,
                                                              monkeypatch):
    root = tmp_path / "mnist"
    name = "t10k-images-idx3-ubyte.gz"
    server.answers["/mnist/" + name] = Answer(PORTAL)  # a captive portal answers 200
    with pytest.raises(DownloadError, match="expected the published"):
        mnist.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    assert not (root / name).exists() and leftovers(tmp_path) == []
    # even when the checksum matches (a mirror that publishes the wrong file), a file
    # that does not read as IDX is never put in place
    monkeypatch.setitem(mnist.MNIST_FILES, name, md5(PORTAL))
    with pytest.raises(DownloadError, match=rf"{name} is not the expected file: .* "
                                            "is not an IDX file"):
        mnist.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    assert not (root / name).exists() and leftovers(tmp_path) == []
    monkeypatch.setitem(mnist.MNIST_FILES, name, md5(files[name]))
    server.answers["/mnist/" + name] = Answer(files[name])
    mnist.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    assert_complete(root, files)


def test_a_non_idx_file_on_disk_is_named_then_replaced(tmp_path, files, server):
    root = tmp_path / "mnist"
    mnist.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    name = "train-images-idx3-ubyte.gz"
    (root / name).write_bytes(PORTAL)  # put there by hand, or by another tool
    with pytest.raises(ValueError, match=rf"{name} is not an IDX file"):
        mnist.load_mnist(root, download=False)
    mnist.fetch_mnist(root, mirrors=mirror(server), timeout=5)  # checksum differs: refetch
    assert_complete(root, files)
    assert mnist.load_mnist(root, download=False).sizes()["test"] == TEST


def test_no_network_is_a_clear_error_then_works_when_back(tmp_path, files):
    root = tmp_path / "mnist"
    with refusing_port() as port, pytest.raises(
            DownloadError, match=r"could not download http://127\.0\.0\.1:"
                                 rf"{port}/mnist/.*Are you offline\?"):
        mnist.fetch_mnist(root, mirrors=(f"http://127.0.0.1:{port}/mnist/",), timeout=5)
    assert leftovers(tmp_path) == [] and (not root.exists() or not any(root.iterdir()))
    with LocalServer() as server:  # the network is back
        for name, blob in files.items():
            server.answers["/mnist/" + name] = Answer(blob)
        mnist.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    assert_complete(root, files)


def test_a_server_that_stops_answering_times_out(tmp_path, files, server):
    name = "train-images-idx3-ubyte.gz"
    server.answers["/mnist/" + name] = Answer(hang=30)
    with pytest.raises(DownloadError, match=rf"could not download {server.url}mnist/"
                                            rf"{name}: timed out, the server sent "
                                            r"nothing for 0\.5 s \(the timeout\)") as err:
        mnist.fetch_mnist(tmp_path, mirrors=mirror(server), timeout=0.5)
    assert "offline" not in str(err.value)  # a server that is there, but silent
    assert list(tmp_path.iterdir()) == []
    server.answers["/mnist/" + name] = Answer(files[name])
    mnist.fetch_mnist(tmp_path, mirrors=mirror(server), timeout=5)
    assert_complete(tmp_path, files)


def test_an_interrupted_download_leaves_nothing(tmp_path, files, server):
    def interrupt(path):
        raise KeyboardInterrupt  # Ctrl-C while the file is being verified

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("dlbook.download.md5sum", interrupt)
        with pytest.raises(KeyboardInterrupt):
            mnist.fetch_mnist(tmp_path, mirrors=mirror(server), timeout=5)
    assert list(tmp_path.iterdir()) == []
    mnist.fetch_mnist(tmp_path, mirrors=mirror(server), timeout=5)
    assert_complete(tmp_path, files)


def test_a_server_that_trickles_bytes_misses_the_deadline(tmp_path, files, server):
    """Each byte arrives well within the timeout, so only the deadline can stop it."""
    name = "train-images-idx3-ubyte.gz"
    server.answers["/mnist/" + name] = Answer(files[name], drip=0.01)
    assert len(files[name]) * 0.01 > 5, "the whole file would take over 5 s"
    with pytest.raises(DownloadError, match=rf"downloading {server.url}mnist/{name} "
                                            r"took longer than the deadline of 0\.5 s "
                                            rf"\(\d+ of {len(files[name])} bytes"):
        download(server.url + "mnist/" + name, tmp_path / name, timeout=5,
                 deadline=0.5)
    assert list(tmp_path.iterdir()) == []
    # through fetch_mnist: the next mirror is tried, and serves the file in time
    with LocalServer() as fast:
        fast.answers["/mnist/" + name] = Answer(files[name])
        for other in set(files) - {name}:
            fast.answers["/mnist/" + other] = Answer(files[other])
        mnist.fetch_mnist(tmp_path, mirrors=mirror(server) + mirror(fast), timeout=5,
                          deadline=2)  # ample for a local kilobyte, even on a busy CPU
    assert_complete(tmp_path, files)


def test_ctrl_c_during_the_transfer_leaves_nothing(tmp_path, files, server):
    name = "train-images-idx3-ubyte.gz"
    server.answers["/mnist/" + name] = Answer(files[name], drip=0.02)  # seconds long
    seen = []

    def press_ctrl_c():
        seen.extend(leftovers(tmp_path))  # the transfer is under way
        _thread.interrupt_main()  # KeyboardInterrupt in the downloading thread

    # Ctrl-C raises KeyboardInterrupt, as in a reader's Python (pytest-xdist's workers
    # ignore it, so that it reaches the controller alone)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.5, press_ctrl_c)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            download(server.url + "mnist/" + name, tmp_path / name, timeout=5,
                     deadline=60)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert len(seen) == 1 and seen[0].startswith(f".{name}.")
    assert list(tmp_path.iterdir()) == []


def test_the_part_file_of_a_killed_download_is_removed_by_the_next(tmp_path, files,
                                                                   server):
    name = "t10k-labels-idx1-ubyte.gz"
    killed = tmp_path / f".{name}.k1ll3d.part"  # left by kill -9 or a power cut
    killed.write_bytes(files[name][:10])
    old = time.time() - STALE_PART_SECONDS - 60
    os.utime(killed, (old, old))
    running = tmp_path / f".{name}.4l1v3.part"  # another download, still writing
    running.write_bytes(files[name][:10])
    other = tmp_path / ".t10k-images-idx3-ubyte.gz.0ld.part"  # another file's: not ours
    other.write_bytes(b"x")
    os.utime(other, (old, old))
    download(server.url + "mnist/" + name, tmp_path / name, timeout=5)
    assert (tmp_path / name).read_bytes() == files[name]
    assert not killed.exists() and running.exists() and other.exists()


def test_a_file_in_the_way_of_the_folder(tmp_path, files, server):
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    root = blocker / "mnist"
    with pytest.raises(OSError, match=rf"cannot create a file in {root}: choose a "
                                      "writable data folder"):
        mnist.fetch_mnist(root, mirrors=mirror(server), timeout=5)
    assert blocker.read_text() == "not a folder" and leftovers(tmp_path) == []
    assert server.requests == [], "nothing is downloaded when it cannot be kept"
    blocker.unlink()
    mnist.fetch_mnist(root, mirrors=mirror(server), timeout=5)
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
        mnist.fetch_mnist(base / "warm-up", mirrors=mirror(server), timeout=5)
        with _AsNobody():
            with pytest.raises(PermissionError, match=rf"cannot write to {root}: choose "
                                                      "a writable data folder"):
                mnist.fetch_mnist(root, mirrors=mirror(server), timeout=5)
        assert list(root.iterdir()) == []
        root.chmod(0o777)  # the cause is gone
        with _AsNobody():
            mnist.fetch_mnist(root, mirrors=mirror(server), timeout=5)
        assert_complete(root, files)
    finally:
        root.chmod(0o755)
        shutil.rmtree(base)


# --- argument checks, on drawn inputs (no server needed) -------------------------------


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("args")


@QUICK
@given(url=st.one_of(st.integers(), st.none(), st.binary(max_size=4)))
def test_download_rejects_urls_that_are_not_strings(scratch, url):
    with pytest.raises(TypeError, match="url must be a str"):
        download(url, scratch / "x")


@QUICK
@given(url=st.sampled_from(["file:///etc/passwd", "ftp://example.org/x", "x.gz", "",
                            "data:,hello", "javascript:alert(1)"]))
def test_download_only_speaks_http(scratch, url):
    with pytest.raises(ValueError, match="url must start with http:// or https://"):
        download(url, scratch / "x")
    assert not (scratch / "x").exists()


@QUICK
@given(md5=st.one_of(st.text(max_size=40).filter(lambda s: len(s) != 32),
                     st.text("ABCDEFXYZ", min_size=32, max_size=32), st.integers()))
def test_download_rejects_malformed_checksums(scratch, md5):
    with pytest.raises(ValueError, match="md5 must be 32 lowercase hexadecimal"):
        download("http://127.0.0.1:9/x", scratch / "x", md5=md5)


@QUICK
@given(name=st.sampled_from(["timeout", "deadline"]),
       seconds=st.one_of(st.floats(max_value=0), st.just(math.inf), st.just(math.nan),
                         not_numbers, st.booleans()))
def test_download_and_fetch_reject_bad_timeouts_and_deadlines(scratch, name, seconds):
    with pytest.raises((TypeError, ValueError), match=f"{name} must be"):
        download("http://127.0.0.1:9/x", scratch / "x", **{name: seconds})
    with pytest.raises((TypeError, ValueError), match=f"{name} must be"):
        mnist.fetch_mnist(scratch / "mnist", mirrors=("http://127.0.0.1:9/",),
                          **{name: seconds})
    assert not (scratch / "x").exists() and not (scratch / "mnist").exists()


@pytest.mark.parametrize("mirrors", ["https://example.org/", (), [1, 2], None])
def test_fetch_mnist_rejects_mirrors_that_are_not_a_list_of_urls(scratch, mirrors):
    with pytest.raises(TypeError, match="mirrors must be a non-empty tuple of URL"):
        mnist.fetch_mnist(scratch / "mnist", mirrors=mirrors)
