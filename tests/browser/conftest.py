"""Fixtures of the browser suite: the built site over HTTP, Chromium, a Jupyter server.

Everything listens on 127.0.0.1 only and is stopped at the end of the session (see
``booksite.py`` for where the site is taken from).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from booksite import CHROMIUM_ARGS, CONFIG, ROOT, close_pages, outside, repository
from helpers import book


# --- servers ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site_dir() -> Path:
    return book.built_site()


@pytest.fixture(scope="session")
def site_url(site_dir):
    """The built site served over HTTP on 127.0.0.1, e.g. ``http://127.0.0.1:PORT/``."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass
class JupyterServer:
    url: str
    token: str
    process: subprocess.Popen
    log: Path

    def api(self, path: str):
        request = urllib.request.Request(self.url + path.lstrip("/"),
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def kernel_processes(self) -> list[psutil.Process]:
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        return [p for p in children if "ipykernel" in " ".join(_cmdline(p))]

    def log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def _stop(process: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM the server (it shuts its kernels down), then kill whatever is left."""
    try:
        leftovers = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        leftovers = []
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)
    for child in leftovers:
        try:
            child.kill()
        except psutil.Error:
            pass


@pytest.fixture(scope="session")
def jupyter_server(site_url):
    """A real Jupyter server on 127.0.0.1 with a token, rooted at the repository and
    accepting the site's origin (as mybinder.org's servers accept any page's). Its
    kernels are reached through socket files, so no TCP port can be taken from them
    between choosing and binding it; the server's own port can, and then it starts
    again on another."""
    token = secrets.token_hex(24)
    origin = site_url.rstrip("/")
    scratch = Path(tempfile.mkdtemp(prefix="dlbook-jupyter-"))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(scratch / "config"),
               JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
               PYDEVD_DISABLE_FILE_VALIDATION="1")
    log = scratch / "server.log"
    server = None
    try:
        for attempt in range(3):
            server = _start_jupyter_server(free_port(), token, origin, env, log)
            if server is not None:
                break
        else:
            pytest.fail(f"jupyter server found its port taken three times:\n{log.read_text()}")
        yield server
    finally:
        if server is not None:
            _stop(server.process)
        shutil.rmtree(scratch, ignore_errors=True)


def _start_jupyter_server(port: int, token: str, origin: str, env: dict,
                          log: Path) -> JupyterServer | None:
    """The server, once it answers; None when something else took its port first."""
    command = [sys.executable, "-m", "jupyter_server", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.allow_origin={origin}", f"--ServerApp.root_dir={ROOT}",
               "--KernelManager.transport=ipc"]
    if os.geteuid() == 0:  # CI containers run as root
        command.append("--allow-root")
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = JupyterServer(f"http://127.0.0.1:{port}/", token, process, log)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            if "already in use" in server.log_tail():
                return None
            pytest.fail(f"jupyter server exited ({process.returncode}):\n"
                        f"{server.log_tail()}")
        try:
            server.api("api/status")
            return server
        except (urllib.error.URLError, ConnectionError, OSError):
            if time.monotonic() > deadline:
                _stop(process)
                pytest.fail(f"jupyter server not up after 60 s:\n{server.log_tail()}")
            time.sleep(0.25)


# --- the browser -----------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Chromium is not installed: `make test` installs Debian's chromium "
                    "(apt-get install chromium) when run as root, see README")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable,
                                             args=CHROMIUM_ARGS, timeout=60_000)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@dataclass
class PageLog:
    """What went wrong while a page was open, and which outside URLs it asked for."""

    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    binder_requests: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return ([f"console error: {m}" for m in self.console_errors]
                + [f"failed request: {r}" for r in self.failed_requests]
                + [f"request outside 127.0.0.1: {r}" for r in self.external_requests])


@pytest.fixture(scope="session")
def site_context(browser, site_url):
    """One browser context for the tests' pages; each test's pages are closed, and what
    they stored cleared, after it (:func:`booksite.close_pages`).

    One page of the site stays open all along, so that Chromium keeps the site's
    renderer process and what it has parsed (styles, fonts, scripts) from one test to
    the next: a chapter then loads for half the CPU time of a fresh context."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    keeper = context.new_page()
    keeper.goto(site_url + "genindex.html", wait_until="load")
    yield context
    context.close()


@pytest.fixture
def open_page(site_context, site_url):
    """Open a site page in a new page of :func:`site_context`; returns ``(page, log)``.

    Requests to 127.0.0.1 go through; Binder's build endpoint for this repository is
    answered with a "ready" event naming ``binder_server`` (a JupyterServer) when given;
    every other request fails (no other host resolves) and is recorded.
    """
    pages = []

    def _open(path: str, binder_server: JupyterServer | None = None,
              viewport=(1280, 900)):
        width, height = viewport
        page = site_context.new_page()
        pages.append(page)
        page.set_viewport_size({"width": width, "height": height})
        log = PageLog()
        org, repo, branch = repository()
        binder = CONFIG["launch_buttons"]["binderhub_url"].rstrip("/")
        build_url = f"{binder}/build/gh/{org}/{repo}/{branch}"

        def is_binder_build(url: str) -> bool:
            return url.split("?")[0] == build_url

        def answer_as_binder(route):
            log.binder_requests.append(route.request.url)
            event = {"phase": "ready", "url": binder_server.url,
                     "token": binder_server.token, "message": "local test server"}
            headers = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                       "Access-Control-Allow-Origin": site_url.rstrip("/")}
            route.fulfill(status=200, headers=headers,
                          body=f"data: {json.dumps(event)}\n\n")

        if binder_server is not None:
            page.route(is_binder_build, answer_as_binder)
        def record_outside(request):
            answered = binder_server is not None and is_binder_build(request.url)
            if outside(request.url) and not answered:
                log.external_requests.append(request.url)

        page.on("request", record_outside)
        page.on("console", lambda m: log.console_errors.append(m.text)
                if m.type == "error" else None)
        page.on("pageerror", lambda e: log.console_errors.append(f"uncaught: {e}"))
        def failed(request):
            if request.url in log.external_requests:
                return  # unreachable: recorded as a request outside 127.0.0.1
            if (binder_server is not None and is_binder_build(request.url)
                    and request.failure == "net::ERR_ABORTED"):
                return  # the page closes Binder's event stream once it has read "ready"
            log.failed_requests.append(f"{request.url} ({request.failure})")

        page.on("requestfailed", failed)
        page.on("response", lambda r: r.status >= 400 and log.failed_requests.append(
            f"{r.url} (HTTP {r.status})"))
        page.goto(site_url + path, wait_until="load")
        return page, log

    yield _open
    close_pages(site_context, pages)
