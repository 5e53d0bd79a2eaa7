/**
 * Live code: run a chapter's code cells in a Jupyter kernel, inside the page.
 *
 * Uses thebe 0.9, served by this site from `_thebe/` (see `_ext/site_assets.py`), and
 * the page's options (`<script id="live-code-options">`: Binder repository, branch and
 * kernel, all from `_config.yml`). The "Live code" button under the title, or "Live Code" in
 * the launch menu (which calls `initThebe`), turns the code cells into editors with run
 * buttons and asks Binder for a kernel whose working folder is the chapter's folder.
 */
(function () {
  "use strict";

  const READY_TEXT = "Kernel ready: edit a cell, then run it (Shift+Enter)";
  const RELOAD_TEXT = "Reload the page to try again.";
  let started = null;

  function pageOptions() {
    const el = document.getElementById("live-code-options");
    return el ? JSON.parse(el.textContent) : null;
  }

  function siteRoot() {
    return document.documentElement.dataset.content_root || "";
  }

  function codeCells() {
    return Array.from(document.querySelectorAll("article div.cell")).filter((cell) =>
      cell.querySelector(".cell_input pre"),
    );
  }

  /**
   * The button under the title and its status line, part of the page as built (see
   * `_ext/site_assets.py`). sphinx-book-theme's launch menu ("Live Code") calls
   * `initThebe` too.
   */
  function launchButton() {
    return document.querySelector("button.live-code-button");
  }

  /**
   * Say what live code is doing, in the status line (a polite live region, so screen
   * readers announce it) and on the button. The button stays focusable while live code
   * starts (aria-disabled, not disabled), so keyboard focus does not fall to the page.
   */
  function setStatus(text, state) {
    const button = launchButton();
    const status = document.querySelector(".live-code-status");
    if (status) status.textContent = text;
    if (button) {
      button.dataset.state = state;
      button.setAttribute("aria-disabled", "true");
    }
  }

  function load(tag, attributes) {
    return new Promise((resolve, reject) => {
      const el = document.createElement(tag);
      Object.assign(el, attributes);
      el.addEventListener("load", resolve);
      el.addEventListener("error", () =>
        reject(new Error(`could not load ${attributes.src || attributes.href}`)),
      );
      document.head.appendChild(el);
    });
  }

  /**
   * Mark each code cell's source as executable and give every one an output area:
   * thebe pairs the n-th source with the n-th output, so a cell without output (or a
   * hidden input's output) must not shift the pairs.
   */
  function prepareCells() {
    for (const cell of codeCells()) {
      const source = cell.querySelector(".cell_input pre");
      source.setAttribute("data-executable", "true");
      source.setAttribute("data-language", "python");
      let output = cell.querySelector(":scope > .cell_output");
      if (!output) {
        output = document.createElement("div");
        output.className = "cell_output docutils container";
        cell.appendChild(output);
      }
      output.setAttribute("data-output", "");
      cell.querySelectorAll("button.copybtn").forEach((el) => el.remove());
    }
  }

  async function start() {
    const options = pageOptions();
    if (!options) throw new Error("this page has no live-code options");
    setStatus("Loading live code…", "loading");
    const root = siteRoot();
    await Promise.all([
      load("link", { rel: "stylesheet", href: `${root}_thebe/thebe.css` }),
      load("script", { src: `${root}_thebe/index.js` }),
    ]);
    const thebe = window.thebe;
    let ready = false;
    thebe.on("status", (_event, data) => {
      if (!["server", "session", "kernel"].includes(data.subject)) return;
      if (data.subject === "session" && data.status === "ready") {
        ready = true;
        setStatus(READY_TEXT, "ready");
      } else if (!ready) {
        setStatus(`Starting live code: ${data.message || data.status}`, "starting");
      } else if (data.status === "shutdown") {
        setStatus("The kernel has stopped. Reload the page to start a new one.", "error");
      }
    });
    thebe.on("error", (_event, data) => {
      // a cell that raises shows its traceback in its own output
      if (data.status === "execute-error") return;
      setStatus(`Live code failed: ${data.message}. ${RELOAD_TEXT}`, "error");
    });
    prepareCells();
    const result = await thebe.bootstrap({
      ...options,
      requestKernel: true,
      useBinder: true,
      selector: "[data-executable]",
      outputSelector: "[data-output]",
      predefinedOutput: true,
      mountStatusWidget: false,
      mountActivateWidget: false,
      // thebe would typeset LaTeX outputs with MathJax 2 from a CDN; the site has none.
      mathjaxUrl: "",
      codeMirrorConfig: { mode: "python", theme: "default" },
    });
    if (!result.session) throw new Error("no kernel session");
    setStatus(READY_TEXT, "ready");
    return result;
  }

  window.initThebe = function initThebe() {
    if (!started) {
      started = start().catch((error) => {
        console.warn("live code:", error);
        setStatus(`Live code failed: ${error.message || error}. ${RELOAD_TEXT}`, "error");
      });
    }
    return started;
  };

  function connect() {
    const button = launchButton();
    if (button && pageOptions()) button.addEventListener("click", () => window.initThebe());
  }

  // the script is deferred: the page's markup is there when it runs
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", connect);
  } else {
    connect();
  }
})();
