"""Lighthouse scores of the built site, page by page, as a reader's phone and laptop see it.

Usage: python benchmarks/bench_lighthouse.py [--runs N] [--page book/training ...]
                                             [--form mobile|desktop] [--site DIR]

Serves the built site (``_build/html``, ``make book``) from 127.0.0.1 with gzip, as
GitHub Pages serves it, and runs Lighthouse 12.2.3 (``node_modules``, pinned in
``package.json``) in Debian's headless Chromium on every chapter page of the table of
contents: mobile (Lighthouse's default: a 412 px wide phone, throttled CPU and network)
and desktop (``--preset=desktop``), ``--runs`` times each (3 by default). Prints the
median of each score and of LCP, TBT and CLS per page, and of Lighthouse's benchmark
index of the host (``host``: its CPU speed during the run), then the audits that cost
points outside performance.

Goals, per chapter page: mobile performance >= 80, desktop >= 95, accessibility, best
practices and SEO 100, CLS <= 0.05 on the phone. Lighthouse's timings depend on what else
the machine does (the load average is printed); exits non-zero when a goal is missed.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from bookfiles import toc_documents  # noqa: E402

LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
GOALS = {("mobile", "performance"): 80, ("desktop", "performance"): 95}
GOAL_OTHER = 100
GOAL_CLS = 0.05
COMPRESSIBLE = (".html", ".js", ".css", ".json", ".svg", ".txt", ".map", ".mjs")


class _GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, gzip-compressed (level 9, like GitHub Pages) when the browser
    accepts it; each file is compressed once."""

    cache: dict[str, bytes] = {}

    def log_message(self, *args):
        pass

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        if not (path.endswith(COMPRESSIBLE) and os.path.isfile(path)
                and "gzip" in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        if path not in self.cache:
            with open(path, "rb") as f:
                self.cache[path] = gzip.compress(f.read(), compresslevel=9)
        body = self.cache[path]
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        return io.BytesIO(body)


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_GzipHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def lighthouse(url: str, form: str, out: Path) -> dict:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("Lighthouse needs Chromium: apt-get install chromium")
    command = ["node", str(LIGHTHOUSE), url, "--output=json", f"--output-path={out}",
               "--quiet", f"--only-categories={','.join(CATEGORIES)}",
               "--chrome-flags=--headless=new --no-sandbox --disable-gpu "
               "--disable-background-networking --no-first-run"]
    if form == "desktop":
        command.append("--preset=desktop")
    subprocess.run(command, check=True, env=dict(os.environ, CHROME_PATH=chromium),
                   timeout=300)
    report = json.loads(out.read_text(encoding="utf-8"))
    audits = report["audits"]
    result = {c: round(100 * (report["categories"][c]["score"] or 0)) for c in CATEGORIES}
    result["lcp_s"] = audits["largest-contentful-paint"]["numericValue"] / 1000
    result["tbt_ms"] = audits["total-blocking-time"]["numericValue"]
    result["cls"] = audits["cumulative-layout-shift"]["numericValue"]
    # Lighthouse's measure of the host's CPU speed during the run: its simulated phone
    # is calibrated on a host scoring about 1000-2000; a busy host scores far lower
    result["bi"] = report["environment"]["benchmarkIndex"]
    result["failing"] = sorted(
        f"{c}: {ref['id']}" for c in CATEGORIES[1:]
        for ref in report["categories"][c]["auditRefs"]
        if ref.get("weight") and (audits[ref["id"]].get("score") is not None)
        and audits[ref["id"]]["score"] < 1)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--page", action="append",
                        help="a toc document (book/training); default: every chapter")
    parser.add_argument("--form", choices=("mobile", "desktop"), action="append")
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    args = parser.parse_args(argv)
    if not LIGHTHOUSE.exists():
        sys.exit(f"{LIGHTHOUSE} is missing: run `npm ci` (`make book` does)")
    if not (args.site / "index.html").exists():
        sys.exit(f"no built site at {args.site}: run `make book`")
    pages = args.page or toc_documents()
    forms = args.form or ["mobile", "desktop"]
    server, url = serve(args.site)
    print(f"Lighthouse 12.2.3 on {len(pages)} pages x {forms} x {args.runs} runs; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    header = (f"{'page':<22}{'form':<8}{'perf':>5}{'a11y':>5}{'bp':>5}{'seo':>5}"
              f"{'LCP s':>7}{'TBT ms':>8}{'CLS':>7}{'host':>7}")
    rows, misses, failing = [], [], {}
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as scratch:
        for doc in pages:
            for form in forms:
                runs = [lighthouse(f"{url}{doc}.html", form, Path(scratch) / "r.json")
                        for _ in range(args.runs)]
                median = {k: statistics.median(r[k] for r in runs)
                          for k in runs[0] if k != "failing"}
                for r in runs:
                    for audit in r["failing"]:
                        failing.setdefault(audit, set()).add(doc.split("/")[-1])
                name = doc.split("/")[-1]
                row = (f"{name:<22}{form:<8}{median['performance']:>5.0f}"
                       f"{median['accessibility']:>5.0f}{median['best-practices']:>5.0f}"
                       f"{median['seo']:>5.0f}{median['lcp_s']:>7.2f}"
                       f"{median['tbt_ms']:>8.0f}{median['cls']:>7.3f}{median['bi']:>7.0f}")
                rows.append(row)
                print(row if len(rows) > 1 else header + "\n" + row, flush=True)
                if median["performance"] < GOALS[(form, "performance")]:
                    misses.append(f"{name} {form}: performance {median['performance']:.0f}"
                                  f" < {GOALS[(form, 'performance')]}")
                for category in CATEGORIES[1:]:
                    if median[category] < GOAL_OTHER:
                        misses.append(f"{name} {form}: {category} {median[category]:.0f}")
                if form == "mobile" and median["cls"] > GOAL_CLS:
                    misses.append(f"{name} mobile: CLS {median['cls']:.3f} > {GOAL_CLS}")
    server.shutdown()
    for audit, where in sorted(failing.items()):
        print(f"audit not passed: {audit} ({', '.join(sorted(where))})")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    for miss in misses:
        print(f"MISSED {miss}")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
