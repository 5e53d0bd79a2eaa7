"""Every page of the built site in headless Chromium: it loads cleanly with every image,
passes axe-core, and (for a chapter with code) its launch menu offers Binder, Colab and
Live Code with links to this repository's paired notebook."""

from __future__ import annotations

import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest
from booksite import (CONFIG, ROOT, SCREENSHOTS, close_pages, has_code, repository,
                      settle, toc_documents)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PAGES = toc_documents() + ["genindex", "search"]


def _axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, "
                           "{resultTypes: ['violations']})")
    found = []
    for violation in result["violations"]:
        if violation["impact"] not in ("serious", "critical"):
            continue
        targets = [" ".join(node["target"]) for node in violation["nodes"][:5]]
        found.append(f"{violation['impact']} {violation['id']}: {violation['help']} "
                     f"({len(violation['nodes'])} elements, e.g. {targets})")
    return found


def _tracked_in_repository(path: str) -> bool:
    """The file exists and git does not ignore it, so it is (or will be) committed."""
    if not (ROOT / path).is_file():
        return False
    ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT,
                             capture_output=True)
    return ignored.returncode != 0


def _check_launch_links(doc: str, links: dict[str, str]) -> list[str]:
    org, repo, branch = repository()
    notebook = f"{doc}.ipynb"
    launch = CONFIG["launch_buttons"]
    problems = []
    binder = urlsplit(links.get("Binder", ""))
    expected = urlsplit(launch["binderhub_url"].rstrip("/"))
    if (binder.scheme, binder.netloc) != (expected.scheme, expected.netloc) \
            or binder.path != f"/v2/gh/{org}/{repo}/{branch}" \
            or parse_qs(binder.query).get("urlpath") != [f"tree/{notebook}"]:
        problems.append(f"Binder link {links.get('Binder')!r} is not "
                        f"{launch['binderhub_url']}/v2/gh/{org}/{repo}/{branch}"
                        f"?urlpath=tree/{notebook}")
    colab = (f"{launch['colab_url'].rstrip('/')}/github/{org}/{repo}/blob/{branch}/"
             f"{notebook}")
    if links.get("Colab") != colab:
        problems.append(f"Colab link {links.get('Colab')!r} is not {colab}")
    if not _tracked_in_repository(notebook):
        problems.append(f"{notebook}, which the launch links open, is not in the "
                        "repository (run `make notebooks`)")
    return problems


def _launch_menu(page) -> dict[str, str]:
    """Open the launch (rocket) menu like a reader and read what it offers."""
    menu = page.locator(".dropdown-launch-buttons")
    menu.locator(".dropdown-toggle").click()
    items = menu.locator(".dropdown-menu .dropdown-item")
    items.first.wait_for(state="visible", timeout=5_000)
    offered = {}
    for i in range(items.count()):
        item = items.nth(i)
        if item.is_visible():
            offered[item.inner_text().strip()] = item.get_attribute("href") or ""
    page.keyboard.press("Escape")
    return offered


@pytest.mark.parametrize("doc", PAGES)
def test_page(doc, open_page, site_dir):
    html = site_dir / f"{doc}.html"
    assert html.exists(), f"{doc}.html was not built"
    page, log = open_page(f"{doc}.html")
    problems = [f"image did not load: {src}" for src in settle(page)]
    problems += log.problems()

    if doc.startswith("book/"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # the first screen, as a reader arriving sees it, to look at
        page.screenshot(path=str(SCREENSHOTS / f"{doc.split('/')[-1]}.jpg"),
                        type="jpeg", quality=85)

    if has_code(doc):
        # the Colab install cell is for Colab only: the site never shows it
        assert "google.colab" not in page.content(), f"{doc}: the install cell is visible"
        offered = _launch_menu(page)
        for name in ("Binder", "Colab", "Live Code"):
            if name not in offered:
                problems.append(f"launch menu offers {sorted(offered)}, not {name}")
        problems += _check_launch_links(doc, offered)
        assert page.locator("button.live-code-button").is_visible(), \
            f"{doc}: no visible Live code button under the title"

    problems += _axe_violations(page)
    problems += [p for p in log.problems() if p not in problems]
    assert not problems, f"{doc}.html:\n  " + "\n  ".join(problems)


def test_site_root_redirects_to_the_first_page(open_page):
    page, log = open_page("index.html")
    page.wait_for_function("path => location.pathname.endsWith(path)",
                           arg=f"/{toc_documents()[0]}.html", timeout=10_000)
    assert not log.problems()


def test_what_one_test_stores_does_not_reach_the_next(site_context, site_url):
    """The tests' pages share one browser context: a reader's dark mode stored by one
    test's page is gone once its pages are closed."""
    first = site_context.new_page()
    first.goto(site_url + "book/notation.html", wait_until="load")
    first.evaluate("() => { localStorage.setItem('mode', 'dark'); "
                   "localStorage.setItem('theme', 'dark'); }")
    close_pages(site_context, [first])
    second = site_context.new_page()
    try:
        second.goto(site_url + "book/notation.html", wait_until="load")
        stored = second.evaluate("() => [localStorage.getItem('mode'), "
                                 "localStorage.getItem('theme')]")
        assert "dark" not in stored, stored
        assert second.evaluate("document.documentElement.dataset.theme") == "light"
    finally:
        second.close()


def test_a_request_outside_127_0_0_1_fails_and_is_reported(open_page):
    page, log = open_page("book/notation.html")
    fetched = page.evaluate("""async () => {
        try { await fetch('https://example.org/tracker.js'); return 'arrived'; }
        catch (error) { return 'failed'; } }""")
    page.evaluate("""() => new Promise((done) => {
        const image = new Image();
        image.onload = image.onerror = done;
        image.src = 'https://cdn.example.com/figure.png'; })""")
    assert fetched == "failed"
    problems = log.problems()
    for url in ("https://example.org/tracker.js", "https://cdn.example.com/figure.png"):
        assert f"request outside 127.0.0.1: {url}" in problems, problems
    # besides, only the browser's own note of each failed load
    assert [p for p in problems if "outside" not in p] == [
        "console error: Failed to load resource: net::ERR_NAME_NOT_RESOLVED"] * 2
