"""Downloading a file safely: all of it, verified, in time, or nothing at all.

:func:`download` writes to a temporary ``.part`` file beside the target and renames
it into place only once it is complete and its MD5 is the published one, so an
interrupted, cut-off, corrupt or too slow download leaves nothing half-written on
disk. The only module of the package that talks to the network; it fetches MNIST for
:mod:`dlbook.mnist`.
"""

from __future__ import annotations

import glob
import hashlib
import http.client
import os
import re
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from dlbook import _checks

# A download writes to its .part file at least every `timeout` seconds; one untouched
# for an hour belongs to a process that was killed (power cut, kill -9), not to a
# download still running, and is removed by the next download of the same file.
STALE_PART_SECONDS = 3600
_MD5 = re.compile(r"^[0-9a-f]{32}$")


class DownloadError(RuntimeError):
    """A file could not be fetched, or what was fetched is not what was published."""


def md5sum(path: str | os.PathLike) -> str:
    """The MD5 of a file, as 32 hexadecimal digits."""
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _remove_stale_parts(dest: Path) -> None:
    """Delete the ``.part`` files of ``dest`` that a killed download left behind."""
    now = time.time()
    for part in dest.parent.glob(f".{glob.escape(dest.name)}.*.part"):
        try:
            if now - part.stat().st_mtime > STALE_PART_SECONDS:
                part.unlink()
        except OSError:  # removed meanwhile, or not ours to remove: leave it
            pass


def _is_timeout(err: BaseException) -> bool:
    return isinstance(err, TimeoutError) or isinstance(getattr(err, "reason", None),
                                                       TimeoutError)


def _fetch(url: str, out: BinaryIO, dest: Path, timeout: float,
           deadline: float) -> tuple[int, str | None]:
    """Copy the body at ``url`` into ``out``; return the bytes received, announced."""
    start = time.monotonic()
    received = 0
    by_hand = f"or put the file at {dest} by hand"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            announced = response.headers.get("Content-Length")
            # read1: what has arrived (up to 64 KiB), so the deadline is checked even
            # when a server sends a trickle of bytes that never trips the timeout
            while chunk := response.read1(1 << 16):
                out.write(chunk)
                received += len(chunk)
                if time.monotonic() - start > deadline:
                    of = f" of {announced}" if announced else ""
                    raise DownloadError(
                        f"downloading {url} took longer than the deadline of "
                        f"{deadline:g} s ({received}{of} bytes received): the server "
                        f"or the connection is too slow. Try again later, with a "
                        f"larger deadline, {by_hand}.")
    except urllib.error.HTTPError as err:
        raise DownloadError(f"{url} answered HTTP {err.code} {err.reason}") from err
    except (urllib.error.URLError, TimeoutError, ConnectionError,
            http.client.HTTPException) as err:
        if _is_timeout(err):
            raise DownloadError(
                f"could not download {url}: timed out, the server sent nothing for "
                f"{timeout:g} s (the timeout). Try again later, with a larger "
                f"timeout, {by_hand}.") from err
        reason = getattr(err, "reason", None) or repr(err)
        raise DownloadError(
            f"could not download {url}: {reason}. Are you offline? Try again with a "
            f"connection, {by_hand}.") from err
    return received, announced


def download(url: str, dest: str | os.PathLike, *, md5: str | None = None,
             timeout: float = 30.0, deadline: float = 600.0,
             check: Callable[[Path], object] | None = None) -> Path:
    """Fetch ``url`` to ``dest`` atomically, checking the MD5 when one is given.

    The bytes go to a temporary ``.part`` file beside ``dest`` and are renamed into
    place only when complete and verified; whatever goes wrong (an error, a timeout,
    Ctrl-C) the ``.part`` file is removed, so nothing half-written is left behind.
    The ``.part`` files of a download that was killed outright are removed by the
    next download of the same file, once :data:`STALE_PART_SECONDS` old.

    Args:
        url: an ``http://`` or ``https://`` address.
        dest: the file to create (its folder is created when missing).
        md5: the published MD5 (32 hexadecimal digits), or ``None`` to skip the check.
        timeout: seconds to wait for the server to answer, and then for each piece
            of the file.
        deadline: seconds the whole transfer may take, however steadily the bytes
            trickle in; checked whenever some arrive, so a download stops at most
            ``timeout`` seconds after its deadline.
        check: called with the complete temporary file before it is renamed into
            place; a ``ValueError`` it raises rejects the download.

    Raises:
        DownloadError: the server cannot be reached (offline?), answers with an error,
            times out, misses the deadline, sends fewer bytes than it announced,
            sends something whose MD5 is not the published one, or something
            ``check`` rejects.
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
    timeout = _checks.positive("timeout", timeout)
    deadline = _checks.positive("deadline", deadline)
    dest = Path(dest)
    folder = dest.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _remove_stale_parts(dest)
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
            received, announced = _fetch(url, out, dest, timeout, deadline)
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
    finally:  # also on KeyboardInterrupt; after os.replace there is nothing to remove
        tmp.unlink(missing_ok=True)
    return dest
