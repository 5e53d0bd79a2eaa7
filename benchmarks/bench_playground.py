"""How fast the playground widget trains and redraws in headless Chromium.

Usage: python benchmarks/bench_playground.py [--seconds S] [--site DIR]

Opens the built activations chapter (``_build/html``; run ``make book`` first) from a
local HTTP server, sets the playground to four hidden layers of 8 tanh units on the
spirals (500 points, with a training share of 50% and of 90%, batch size 10) through its
controls, presses Play and lets it run for ``--seconds``. One step is one epoch: a pass
over the training points in mini-batches, then the training and test losses; every
frame takes one step and redraws the heat map, the hidden units and the loss curves.

Prints steps per second, the frame time (the work of one frame: the step and the
redraw) as a median and 95th percentile, and the interval between frames. The goal is
at least 30 steps a second; exits non-zero when a run misses it. A benchmark, not a
test: its figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import shutil
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL = 30.0  # steps a second
PAGE = "book/activations.html"

# Wraps the page's requestAnimationFrame to time every frame's callbacks.
FRAME_TIMER = """
window.__frames = [];
const raf = window.requestAnimationFrame.bind(window);
window.requestAnimationFrame = (callback) => raf((now) => {
  const start = performance.now();
  callback(now);
  window.__frames.push([now, performance.now() - start]);
});
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(browser, url: str, share: float, seconds: float) -> dict:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.add_init_script(FRAME_TIMER)
    page.goto(url + PAGE, wait_until="load")
    root = page.locator(".dl-playground").first
    root.locator(".dlp").wait_for()
    root.get_by_label("Data set").select_option("spirals")
    for label, value in (("Hidden layers", "4"), ("Units in layer 1", "8"),
                         ("Units in layer 2", "8"), ("Units in layer 3", "8"),
                         ("Units in layer 4", "8")):
        root.get_by_label(label).fill(value)
        root.get_by_label(label).dispatch_event("change")
    root.get_by_label("Training share").fill(str(share))
    root.locator(".dl-playground, .dlp").first.scroll_into_view_if_needed()
    hidden = page.evaluate("document.querySelector('.dl-playground').dlPlayground"
                           ".settings.hidden")
    assert hidden == [8, 8, 8, 8], f"the controls gave hidden layers {hidden}"
    page.evaluate("window.__frames.length = 0")
    root.get_by_role("button", name="Play").click()
    start_epoch = page.evaluate("document.querySelector('.dl-playground')"
                                ".dlPlayground.epoch")
    start = page.evaluate("performance.now()")
    page.wait_for_timeout(seconds * 1000)
    end = page.evaluate("performance.now()")
    epochs = page.evaluate("document.querySelector('.dl-playground').dlPlayground"
                           ".epoch") - start_epoch
    root.get_by_role("button", name="Pause").click()
    frames = page.evaluate("window.__frames")
    page.close()
    work = [ms for _, ms in frames if ms > 0.5]  # frames that trained and drew
    stamps = [t for t, _ in frames]
    intervals = [b - a for a, b in zip(stamps, stamps[1:])]
    return {"steps_per_s": epochs / ((end - start) / 1000), "epochs": epochs,
            "frame_median": percentile(work, 0.5), "frame_p95": percentile(work, 0.95),
            "interval_median": percentile(intervals, 0.5)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    args = parser.parse_args(argv)
    if not (args.site / PAGE).exists():
        parser.error(f"no {PAGE} in {args.site}: run `make book` first")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        parser.error("Chromium is needed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    server, url = serve(args.site)
    print(f"Playground in headless Chromium: 4 hidden layers of 8 tanh units, spirals "
          f"(500 points), batch size 10, {args.seconds:g} s of Play per row, load "
          f"average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    print(f"{'training share':>14s} {'steps/s':>8s} {'frame ms (median, p95)':>23s} "
          f"{'frame interval ms':>18s}  goal: >= {GOAL:.0f} steps/s")
    missed = False
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        try:
            for share in (0.5, 0.9):
                r = measure(browser, url, share, args.seconds)
                ok = r["steps_per_s"] >= GOAL
                missed |= not ok
                print(f"{share:>14.0%} {r['steps_per_s']:>8.1f} "
                      f"{r['frame_median']:>11.1f}, {r['frame_p95']:>9.1f} "
                      f"{r['interval_median']:>18.1f}  {'ok' if ok else 'MISSED'}")
        finally:
            browser.close()
            server.shutdown()
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
