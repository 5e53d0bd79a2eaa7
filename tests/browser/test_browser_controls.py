"""The page's controls in headless Chromium, used like a reader on a phone or with a
keyboard: the Live code button is there from the first paint and nothing moves when the
scripts run; pressing it keeps the focus on it and announces what it does; every control
of the header, and every item of its menus, shows where the keyboard focus is; each
solution's toggle is named after its exercise."""

from __future__ import annotations

import pytest
from booksite import SCREENSHOTS, SITE, has_code, settle, toc_documents

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

CHAPTERS_WITH_CODE = [d for d in toc_documents() if has_code(d)]
PHONE = (412, 823)

# layout shifts, as the browser records them, with the elements that moved
LAYOUT_SHIFTS = """() => new Promise((resolve) => {
    const shifts = [];
    new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
            if (entry.hadRecentInput) continue;
            shifts.push({value: entry.value, sources: (entry.sources || []).map((s) =>
                s.node && s.node.nodeType === 1
                    ? s.node.outerHTML.slice(0, 120) : String(s.node && s.node.nodeName))});
        }
    }).observe({type: "layout-shift", buffered: true});
    setTimeout(() => resolve(shifts), 1500);
})"""

FOCUS_INDICATOR = """(el) => {
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
    const shadow = style.boxShadow && style.boxShadow !== "none";
    return {outline, shadow, text: (el.getAttribute("aria-label") || el.title
            || el.textContent || "").trim().slice(0, 40), tag: el.tagName,
            cls: el.className};
}"""


@pytest.fixture(scope="module")
def chapter():
    if not CHAPTERS_WITH_CODE:
        pytest.skip("no chapter with code")
    return "book/training" if "book/training" in CHAPTERS_WITH_CODE \
        else CHAPTERS_WITH_CODE[0]


def test_the_live_code_button_is_in_the_page_as_built(site_dir):
    for doc in CHAPTERS_WITH_CODE:
        html = (site_dir / f"{doc}.html").read_text(encoding="utf-8")
        assert 'class="thebe-launch-button live-code-button"' in html, doc
        assert 'aria-live="polite"' in html, f"{doc}: the status line is no live region"


@pytest.mark.parametrize("doc", CHAPTERS_WITH_CODE[:3])
def test_no_layout_shift_from_the_live_code_control(doc, open_page):
    page, log = open_page(f"{doc}.html", viewport=PHONE)
    assert not (broken := settle(page)), f"images did not load: {broken}"
    button = page.locator("button.live-code-button")
    before = button.bounding_box()
    shifts = page.evaluate(LAYOUT_SHIFTS)
    after = button.bounding_box()
    assert before == after, f"{doc}: the Live code button moved: {before} -> {after}"
    by_control = [s for s in shifts
                  if any("live-code" in source for source in s["sources"])]
    assert not by_control, f"{doc}: layout shifts caused by Live code: {by_control}"
    # typeset maths is text: none of it in the tab order (MathJax made each a tab stop)
    assert page.locator(".katex").count() > 0, f"{doc}: no typeset maths"
    focusable = page.locator(".katex a, .katex button, .katex input, .katex [tabindex]")
    assert focusable.count() == 0, f"{doc}: {focusable.count()} tab stops in formulas"
    total = sum(s["value"] for s in shifts)
    assert total <= 0.05, f"{doc}: cumulative layout shift {total:.3f} at 412 px: {shifts}"
    assert not log.problems(), "\n".join(log.problems())


def test_pressing_live_code_keeps_the_focus_and_announces_it(chapter, open_page):
    page, log = open_page(f"{chapter}.html")
    assert not (broken := settle(page)), f"images did not load: {broken}"
    button = page.locator("button.live-code-button")
    button.focus()
    page.keyboard.press("Enter")
    # no Binder here (its request is refused): live code starts, then reports the failure
    page.wait_for_function(
        "() => ['error', 'ready'].includes("
        "document.querySelector('.live-code-button').dataset.state)", timeout=60_000)
    focused = page.evaluate("() => document.activeElement.className")
    assert "live-code-button" in focused, f"focus moved to {focused!r}"
    assert button.get_attribute("aria-disabled") == "true"
    status = page.locator("#live-code-status")
    assert status.get_attribute("aria-live") == "polite"
    assert status.inner_text().strip(), "the status line says nothing"
    assert button.get_attribute("aria-describedby") == "live-code-status"
    # pressed again, it does not start a second time
    page.keyboard.press("Enter")
    assert "live-code-button" in page.evaluate("() => document.activeElement.className")


def test_every_header_control_shows_keyboard_focus(chapter, open_page):
    page, _ = open_page(f"{chapter}.html")
    assert not (broken := settle(page)), f"images did not load: {broken}"
    header = (".bd-header-article a, .bd-header-article button, .bd-header a, "
              ".bd-header button, .primary-toggle, .secondary-toggle")
    controls = page.locator(header)
    visible = [controls.nth(i) for i in range(controls.count())
               if controls.nth(i).is_visible()]
    assert len(visible) >= 4, f"only {len(visible)} header controls found"
    seen, missing = {}, []
    for _ in range(150):
        page.keyboard.press("Tab")
        element = page.evaluate_handle("() => document.activeElement")
        if page.evaluate("(el) => !!el.closest('article')", element):
            break  # past the header, in the chapter's text
        if not page.evaluate(f"(el) => el.matches({header!r})", element):
            continue
        state = page.evaluate(FOCUS_INDICATOR, element)
        key = page.evaluate("(el) => el.outerHTML.slice(0, 200)", element)
        seen[key] = state
        if not (state["outline"] or state["shadow"]):
            missing.append(state)
    assert len(seen) >= len(visible) - 1, (
        f"the keyboard reached {len(seen)} of {len(visible)} header controls")
    assert not missing, f"header controls with no visible focus: {missing}"

    # the launch menu's items, opened and walked with the keyboard
    page.locator(".dropdown-launch-buttons .dropdown-toggle").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    items = page.locator(".dropdown-launch-buttons .dropdown-item")
    for i in range(items.count()):
        state = page.evaluate(FOCUS_INDICATOR,
                              page.evaluate_handle("() => document.activeElement"))
        assert "dropdown-item" in state["cls"], f"focus left the menu: {state}"
        assert state["outline"] or state["shadow"], f"menu item without focus: {state}"
        if i == 0:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "launch-menu-focus.png"),
                            clip={"x": 600, "y": 0, "width": 680, "height": 320})
        page.keyboard.press("ArrowDown")


def test_each_solution_toggle_is_named_after_its_exercise(open_page):
    pages = [d for d in CHAPTERS_WITH_CODE
             if 'class="solution' in (SITE / f"{d}.html").read_text(encoding="utf-8")]
    if not pages:
        pytest.skip("no page with a solution")
    page, _ = open_page(f"{pages[0]}.html")
    assert not (broken := settle(page)), f"images did not load: {broken}"
    names = page.locator(".solution button.toggle-button").evaluate_all(
        "(buttons) => buttons.map((b) => b.getAttribute('aria-label'))")
    assert names, "no solution toggles"
    assert all(n and n.startswith("Solution to") and "Exercise" in n for n in names), names
    assert len(set(names)) == len(names), f"solution toggles share a name: {names}"
