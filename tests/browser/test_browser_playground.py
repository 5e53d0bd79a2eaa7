"""The playground (activations chapter) and the learning-rate widget (training chapter)
in headless Chromium, driven through their controls: the loss falls, a divergent
learning rate diverges, the same seed gives the same run, the chapter's tasks show what
the chapter says they show, and both widgets work by keyboard, by touch at 390 px and
offline, pass axe-core, and are loaded on their pages only."""

from __future__ import annotations

import math
import re

import pytest
from booksite import ROOT, SCREENSHOTS, close_pages, outside

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PLAYGROUND_PAGE = "book/activations.html"
PLAYGROUND = "document.querySelector('.dl-playground').dlPlayground"
DESCENT_PAGE = "book/training.html"
LN2 = math.log(2)


@pytest.fixture
def open_widget_page(browser, site_context, site_url):
    """Open a page that can reach 127.0.0.1 only (so the widgets must work offline), in
    the shared context, or in a context of its own for touch; returns
    ``(page, errors)``."""
    contexts, pages = [], []

    def _open(path, *, width=1280, touch=False, reduced_motion="no-preference",
              theme=None):
        if touch:  # a phone's touch screen is the whole context's
            context = browser.new_context(viewport={"width": width, "height": 900},
                                          has_touch=True, is_mobile=True)
            context.set_default_timeout(30_000)
            contexts.append(context)
        else:
            context = site_context
        page = context.new_page()
        pages.append(page)
        page.set_viewport_size({"width": width, "height": 900})
        page.emulate_media(reduced_motion=reduced_motion)
        errors, away = [], []

        def record_outside(request):
            if outside(request.url):
                away.append(request.url)

        page.on("request", record_outside)
        if theme is not None:  # the theme's first-visit mode, as its toggle stores it
            page.add_init_script(f"localStorage.setItem('mode', '{theme}');"
                                 f"localStorage.setItem('theme', '{theme}');")
        page.on("console",
                lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
        page.goto(site_url + path, wait_until="load")
        page.wait_for_function("document.querySelectorAll('.dl-playground .dlp, "
                               ".dl-descent .dlgd').length > 0")
        return page, errors + [f"request outside 127.0.0.1: {u}" for u in away]

    yield _open
    close_pages(site_context, pages)
    for context in contexts:
        context.close()


def playground(page):
    return page.locator(".dl-playground").first


def state(page, expression):
    """Evaluate ``expression`` with ``p`` the first playground's test interface."""
    return page.evaluate(f"(() => {{ const p = document.querySelector('.dl-playground')"
                         f".dlPlayground; return {expression}; }})()")


def set_network(page, *, dataset=None, layers=None, widths=(), activation=None, lr=None,
                seed=None):
    """Change settings through the controls, as a reader does."""
    root = playground(page)
    if dataset is not None:
        root.get_by_label("Data set").select_option(dataset)
    if layers is not None:
        root.get_by_label("Hidden layers").fill(str(layers))
        root.get_by_label("Hidden layers").dispatch_event("change")
    for i, width in enumerate(widths):
        box = root.get_by_label(f"Units in layer {i + 1}")
        box.fill(str(width))
        box.dispatch_event("change")
    if activation is not None:
        root.get_by_label("Activation").select_option(activation)
    if lr is not None:
        root.get_by_label("Learning rate η").select_option(str(lr))
    if seed is not None:
        root.get_by_label("Seed").fill(str(seed))
        root.get_by_label("Seed").dispatch_event("change")


def train(page, epochs):
    """Train ``epochs`` epochs (as many presses of Step, drawn once); the history."""
    state(page, f"p.train({epochs})")
    return state(page, "p.history()")


def axe(page, selector):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async (s) => await axe.run({include: [s]}, "
                           "{resultTypes: ['violations']})", selector)
    return [f"{v['impact']} {v['id']}: {v['help']} "
            f"({[' '.join(n['target']) for n in v['nodes'][:3]]})"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


# --- the playground -----------------------------------------------------------------

def test_play_trains_and_the_loss_falls(open_widget_page):
    page, errors = open_widget_page(PLAYGROUND_PAGE)
    set_network(page, dataset="xor", layers=1, widths=[4], lr=0.1)
    root = playground(page)
    assert state(page, "p.epoch") == 0
    root.get_by_role("button", name="Play").click()
    page.wait_for_function(f"{PLAYGROUND}.epoch >= 60", timeout=60_000)
    root.get_by_role("button", name="Pause").click()
    history = state(page, "p.history()")
    assert history["train"][-1] < 0.5 * history["train"][0]
    assert history["test"][-1] < 0.5 * history["test"][0]
    shown = int(root.locator(".dlp-epoch").inner_text())
    assert shown == state(page, "p.epoch") == len(history["train"]) - 1
    assert f"{history['train'][-1]:.3f}" in root.locator(".dlp-status").inner_text()
    root.get_by_role("button", name="Step").click()
    assert state(page, "p.epoch") == shown + 1
    root.get_by_role("button", name="Reset").click()
    assert state(page, "p.epoch") == 0
    assert not errors


def test_same_seed_same_run_and_another_seed_another(open_widget_page):
    page, errors = open_widget_page(PLAYGROUND_PAGE)
    set_network(page, dataset="moons", layers=2, widths=[5, 3], activation="relu",
                lr=0.1, seed=7)
    first = train(page, 40)
    playground(page).get_by_role("button", name="Reset").click()
    again = train(page, 40)
    assert first == again
    set_network(page, seed=8)
    other = train(page, 40)
    assert other["train"] != first["train"]
    set_network(page, seed=7)  # and back: the run of seed 7 once more
    assert train(page, 40) == first
    assert first["train"][-1] < first["train"][0]
    assert not errors


def test_divergent_learning_rate_diverges(open_widget_page):
    page, errors = open_widget_page(PLAYGROUND_PAGE)
    set_network(page, dataset="circles", activation="linear", lr=3)
    playground(page).get_by_role("button", name="Play").click()
    page.wait_for_function(f"{PLAYGROUND}.diverged", timeout=30_000)
    assert not state(page, "p.playing")  # it stopped by itself
    loss = state(page, "p.history().train")[-1]
    assert loss is None or not math.isfinite(loss)  # JSON turns NaN into null
    assert "diverged" in playground(page).locator(".dlp-status").inner_text()
    assert playground(page).get_by_role("button", name="Play").get_attribute(
        "aria-pressed") == "false"
    assert not errors


def test_the_chapters_tasks_show_what_the_chapter_says(open_widget_page):
    page, errors = open_widget_page(PLAYGROUND_PAGE)
    # Task 1: circles, hidden layers of 4 and 2 tanh units (the widget's start)
    assert state(page, "p.settings.hidden") == [4, 2]
    set_network(page, lr=0.3)
    assert train(page, 100)["train"][100] < 0.1
    # "the boundary closes around the inner disc": class 1 inside, class 0 all around
    assert state(page, "p.probability(0, 0)") > 0.5
    around = [state(page, f"p.probability({1.4 * math.cos(a)}, {1.4 * math.sin(a)})")
              for a in [k * math.pi / 6 for k in range(12)]]
    assert max(around) < 0.5
    set_network(page, lr=3)
    wild = train(page, 100)["train"]
    assert min(wild[1:]) > wild[0]  # in 100 epochs never below where it started
    assert max(wild) > 2 * wild[0]  # and jumping up
    set_network(page, activation="linear")
    train(page, 1)
    assert state(page, "p.diverged") and state(page, "p.epoch") == 1
    # Task 2: spirals, tanh, lr 0.3, 300 epochs
    set_network(page, dataset="spirals", activation="tanh", lr=0.3, layers=1,
                widths=[8])
    assert train(page, 300)["test"][300] > 0.5
    set_network(page, layers=2, widths=[4, 4])
    assert train(page, 300)["test"][300] > 0.3
    set_network(page, widths=[8, 8])
    assert train(page, 300)["test"][300] < 0.3
    # Task 3: spirals, lr 0.1, one and four layers of 8, sigmoid and ReLU
    final = {}
    for activation in ("sigmoid", "relu"):
        for layers in (1, 4):
            set_network(page, activation=activation, lr=0.1, layers=layers,
                        widths=[8] * layers)
            final[activation, layers] = loss = train(page, 300)["train"]
            assert len(loss) == 301
    assert final["sigmoid", 1][300] < LN2 - 0.05  # "clearly below ln 2"
    assert all(abs(v - LN2) < 0.02 for v in final["sigmoid", 4])  # "stays near ln 2"
    assert final["relu", 4][300] < 0.5 and final["relu", 4][300] < final["relu", 1][300]
    assert not errors


def test_hidden_units_show_their_output_on_hover_and_tap(open_widget_page):
    page, errors = open_widget_page(PLAYGROUND_PAGE, width=390, touch=True)
    root = playground(page)
    wider = page.evaluate("""[...document.querySelectorAll('.dl-playground *')]
        .filter((el) => { const r = el.getBoundingClientRect();
                          return r.width > 0 && (r.left < 0 || r.right > 390); })
        .map((el) => el.tagName + '.' + el.className)""")
    assert not wider, f"parts of the playground stick out of a 390 px screen: {wider}"
    caption = root.locator(".dlp-caption")
    assert caption.inner_text().startswith("Predicted probability")
    unit = root.get_by_role("button",
                            name="Show the output of unit 2 of hidden layer 1")
    unit.tap()
    assert unit.get_attribute("aria-pressed") == "true"
    assert caption.inner_text().startswith("Output of unit 2 of hidden layer 1")
    unit.tap()
    assert caption.inner_text().startswith("Predicted probability")
    root.get_by_role("button", name="Play").tap()
    page.wait_for_function(f"{PLAYGROUND}.epoch >= 5")
    root.get_by_role("button", name="Pause").tap()
    assert not errors


def test_keyboard_operates_every_control(open_widget_page):
    page, errors = open_widget_page(PLAYGROUND_PAGE)
    root = playground(page)
    controls = root.locator("button, input, select")
    count = controls.count()
    controls.first.focus()
    reached = set()
    for _ in range(count):
        reached.add(page.evaluate(
            "document.activeElement.id || "
            "document.activeElement.getAttribute('aria-label') || "
            "document.activeElement.textContent"))
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none", "a focused control shows no focus ring"
        page.keyboard.press("Tab")
    assert len(reached) == count, "Tab does not reach every control of the playground"
    # operate some by keyboard alone
    root.get_by_label("Learning rate η").focus()
    page.keyboard.press("ArrowDown")
    assert state(page, "p.settings.lr") == 0.1  # the next rate after 0.03
    root.get_by_role("button", name="Step").focus()
    page.keyboard.press("Enter")
    assert state(page, "p.epoch") == 1
    root.get_by_role("button", name="Play").focus()
    page.keyboard.press("Space")
    assert state(page, "p.playing")
    page.keyboard.press("Space")
    assert not state(page, "p.playing")
    unit = root.locator(".dlp-unit").first
    unit.focus()
    page.keyboard.press("Enter")
    assert unit.get_attribute("aria-pressed") == "true"
    for control in ("Data set", "Noise", "Training share", "Hidden layers",
                    "Activation", "Learning rate η", "Batch size",
                    "L2 regularisation λ", "Seed"):
        assert root.get_by_label(control).count() == 1, f"no control labelled {control}"
    assert axe(page, ".dl-playground") == []
    assert not errors


def test_reduced_motion_trains_with_fewer_redraws(open_widget_page):
    """With reduced motion the picture changes at most twice a second, however fast or
    slow the frames come (a busy machine gives fewer of them)."""
    page, errors = open_widget_page(PLAYGROUND_PAGE, reduced_motion="reduce")
    before = state(page, "{...p.stats, now: performance.now()}")
    playground(page).get_by_role("button", name="Play").click()
    page.wait_for_function(f"{PLAYGROUND}.epoch >= 120", timeout=60_000)
    playground(page).get_by_role("button", name="Pause").click()
    after = state(page, "{...p.stats, now: performance.now()}")
    seconds = (after["now"] - before["now"]) / 1000
    draws = after["draws"] - before["draws"]
    frames = after["frames"] - before["frames"]
    # twice a second, plus the first frame and the picture drawn on pausing
    assert draws <= 2 * seconds + 2, (draws, frames, seconds)
    assert after["epochs"] - before["epochs"] >= 120
    assert not errors


# --- the learning-rate widget -------------------------------------------------------

def test_descent_converges_oscillates_and_diverges_around_the_bound(open_widget_page):
    page, errors = open_widget_page(DESCENT_PAGE)
    widget = page.locator(".dl-descent")
    slider = widget.get_by_label("Learning rate η")
    readout = widget.locator(".dlgd-readout")
    text = page.locator("main").inner_text()
    bound = readout.inner_text().split("2/λ_max = ")[1].split(":")[0]
    assert bound in text, "the widget's bound 2/λ_max is not the chapter's number"
    seen = {}
    for lr in ("0.02", "0.3", "0.46"):  # the chapter's three rates
        slider.fill(lr)
        seen[lr] = widget.get_attribute("data-verdict"), float(
            widget.get_attribute("data-final-loss"))
    assert [v for v, _ in seen.values()] == ["converges", "oscillates", "diverges"]
    assert seen["0.3"][1] < seen["0.02"][1]
    assert seen["0.46"][1] > 1e3 or math.isinf(seen["0.46"][1])
    assert float("0.46") > float(bound) > float("0.3")
    slider.focus()  # the keyboard moves it too
    page.keyboard.press("Home")
    assert slider.input_value() == "0.01" and widget.get_attribute("data-verdict") \
        == "converges"
    page.keyboard.press("End")
    assert widget.get_attribute("data-verdict") == "diverges"
    assert axe(page, ".dl-descent") == []
    assert not errors


# --- loading, and how the widgets look ----------------------------------------------

def test_widgets_load_only_on_their_pages(site_dir):
    def assets(path):
        html = path.read_text(encoding="utf-8")
        links = r'(?:src|href)="(?:\.\./)*widgets/([\w/.-]+?)(?:\?[^"]*)?"'
        return set(re.findall(links, html))

    assert assets(site_dir / PLAYGROUND_PAGE) == {
        "playground/engine.js", "playground/data.js", "playground/playground.js",
        "widgets.css"}
    assert assets(site_dir / DESCENT_PAGE) == {"descent/descent.js", "widgets.css"}
    others = [p for p in site_dir.rglob("*.html")
              if p.relative_to(site_dir).as_posix()
              not in (PLAYGROUND_PAGE, DESCENT_PAGE)]
    assert others and not [p.name for p in others if assets(p)]
    for doc in (PLAYGROUND_PAGE, DESCENT_PAGE):  # the static figures stay as fallback
        assert "dl-widget-fallback" in (site_dir / doc).read_text(encoding="utf-8")
    assert (site_dir / "widgets" / "playground" / "engine.js").exists()


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots(open_widget_page, width, theme):
    """Pictures of both widgets for a person to look at; axe-core checks the colours."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for path, selector, name in ((PLAYGROUND_PAGE, ".dl-playground", "playground"),
                                 (DESCENT_PAGE, ".dl-descent", "descent")):
        page, errors = open_widget_page(path, width=width, theme=theme)
        assert page.evaluate("document.documentElement.dataset.theme") == theme
        if name == "playground":
            set_network(page, dataset="spirals", layers=2, widths=[8, 8], lr=0.3)
            state(page, "p.train(150)")
            playground(page).get_by_label("Show test points").check()
        # the whole page, cut to the widget: an element screenshot scrolls the widget
        # under the theme's sticky header
        box = page.evaluate(f"""(() => {{
            document.activeElement.blur();
            scrollTo(0, 0);
            const r = document.querySelector('{selector}').getBoundingClientRect();
            return {{x: r.left + scrollX, y: r.top + scrollY, width: r.width,
                     height: r.height}}; }})()""")
        page.screenshot(path=str(SCREENSHOTS / f"widget-{name}-{width}-{theme}.png"),
                        full_page=True, clip=box)
        assert axe(page, selector) == []
        assert not errors


def test_widgets_work_from_a_file_url_offline(browser, site_dir):
    """Saved to disk and opened as a file, with no network: both widgets still run."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        outside = []
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
            "file://") else (outside.append(r.request.url), r.abort()))
        page = context.new_page()
        uncaught = []
        page.on("pageerror", lambda e: uncaught.append(str(e)))
        for doc, selector in ((PLAYGROUND_PAGE, ".dl-playground .dlp"),
                              (DESCENT_PAGE, ".dl-descent .dlgd")):
            page.goto((site_dir / doc).as_uri(), wait_until="load")
            page.wait_for_selector(selector)
        page.goto((site_dir / PLAYGROUND_PAGE).as_uri(), wait_until="load")
        playground(page).get_by_role("button", name="Step").click()
        assert state(page, "p.epoch") == 1
        assert not uncaught
        assert not [u for u in outside if "widgets" in u]
    finally:
        context.close()
