"""Live code end to end: a reader clicks Live Code, the page asks "Binder" for a server,
gets a real local Jupyter server, starts a kernel in the chapter's folder, and a cell of
the chapter prints in the page what the book printed when it was built."""

from __future__ import annotations

import time
from html.parser import HTMLParser

import pytest
from booksite import ROOT, SCREENSHOTS, SITE, has_code, settle, toc_documents

pytestmark = [pytest.mark.browser, pytest.mark.timeout(420)]


class _Cells(HTMLParser):
    """The code cells of a built page, in order: whether each has an input, and the text
    of its output when that output is only printed text (a stream)."""

    def __init__(self):
        super().__init__()
        self.cells, self._stack, self._in = [], [], None

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        self._stack.append((tag, classes))
        if tag == "div" and "cell" in classes and self._depth_in("article"):
            self.cells.append({"input": False, "kinds": set(), "stream": ""})
        if not self.cells:
            return
        if "cell_input" in classes:
            self.cells[-1]["input"] = True
        if "output" in classes:
            kinds = {c for c in classes if c in ("stream", "text_plain", "text_html")}
            self.cells[-1]["kinds"] |= kinds or {"other"}
            self._in = "stream" if "stream" in classes else None
        elif tag in ("figure", "img"):
            self.cells[-1]["kinds"].add("other")

    def handle_endtag(self, tag):
        while self._stack:
            open_tag, classes = self._stack.pop()
            if "output" in classes:
                self._in = None
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self._in == "stream" and self.cells:
            self.cells[-1]["stream"] += data

    def _depth_in(self, tag):
        return any(t == tag for t, _ in self._stack)


def _target():
    """The chapter cell to run: among chapters with code, the printed-text output that
    needs the fewest cells run before it (everything before it runs first)."""
    best = None
    for doc in toc_documents():
        html = SITE / f"{doc}.html"
        if not has_code(doc) or not html.exists():
            continue
        parser = _Cells()
        parser.feed(html.read_text(encoding="utf-8"))
        runnable = [c for c in parser.cells if c["input"]]
        for index, cell in enumerate(runnable):
            if cell["kinds"] == {"stream"} and cell["stream"].strip():
                if best is None or index < best[1]:
                    best = (doc, index, cell["stream"].strip())
                break
    return best


def _run(page, index: int, timeout_s: float = 120) -> None:
    """Click the run button of the index-th live cell and wait for the kernel's reply."""
    cell = page.locator(".thebe-cell").nth(index)
    cell.locator('button[title="run this cell"]').click()
    page.wait_for_function(
        """(box) => {
            const cell = window.thebe.notebook.getCellById(box.dataset.thebeId);
            return cell && cell.executionCount !== null && !cell.isBusy;
        }""", arg=cell.element_handle(), timeout=timeout_s * 1000, polling=200)


def test_live_code_runs_a_chapter_cell_in_a_real_kernel(open_page, jupyter_server):
    target = _target()
    assert target is not None, ("no chapter page has a code cell that prints text: "
                                "cannot exercise live code")
    doc, index, expected = target
    started = time.monotonic()
    page, log = open_page(f"{doc}.html", binder_server=jupyter_server)
    assert not (broken := settle(page)), f"images did not load: {broken}"
    inputs = page.locator("div.cell .cell_input pre").count()

    # like a reader: the launch (rocket) menu, then Live Code
    page.locator(".dropdown-launch-buttons .dropdown-toggle").click()
    page.locator(".dropdown-launch-buttons button.btn-launch-thebe").click()

    status = page.locator(".live-code-status")
    try:
        page.wait_for_function(
            "() => document.querySelector('.live-code-button')?.dataset.state === 'ready'"
            " || document.querySelector('.live-code-button')?.dataset.state === 'error'",
            timeout=120_000, polling=250)
    finally:
        state = status.inner_text() if status.count() else "(no status line)"
    assert page.locator(".live-code-button").get_attribute("data-state") == "ready", (
        f"live code did not start: {state}\n" + "\n".join(log.problems())
        + f"\njupyter server log:\n{jupyter_server.log_tail()}")
    assert log.binder_requests, "the page never asked Binder for a server"
    assert page.locator(".thebe-cell").count() == inputs, "not every code cell became live"
    kernel_ready = time.monotonic() - started

    # the kernel is a real one, started by the server, working in the chapter's folder
    sessions = jupyter_server.api("api/sessions")
    assert [s["path"] for s in sessions] == [f"{doc}.ipynb"], sessions
    kernels = jupyter_server.kernel_processes()
    assert len(kernels) == 1, f"expected one kernel process, found {len(kernels)}"
    assert kernels[0].cwd() == str((ROOT / doc).parent)

    for i in range(index + 1):
        _run(page, i)
    output = page.locator(".thebe-cell").nth(index).locator(
        "xpath=ancestor::div[contains(concat(' ', @class, ' '), ' cell ')][1]"
        "/div[contains(@class, 'cell_output')]")
    # stdout only: the book drops stderr (progress lines) from its pages
    live = output.locator(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"]')
    live.first.wait_for(state="attached", timeout=10_000)
    printed = "".join(live.all_inner_texts())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    output.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"{doc.split('/')[-1]}-live-code.png"))
    assert printed.strip() == expected, (
        f"{doc}: cell {index} printed {printed.strip()!r} live, {expected!r} in the book")
    assert not log.problems(), "\n".join(log.problems())
    print(f"\nlive code on {doc}: kernel ready in {kernel_ready:.1f} s, "
          f"{index + 1} cells run in {time.monotonic() - started - kernel_ready:.1f} s")
