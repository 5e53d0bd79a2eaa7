/**
 * Name each solution's toggle button after its exercise. sphinx-togglebutton names every
 * one "Toggle hidden content"; a screen-reader user tabbing through a chapter's
 * solutions cannot tell them apart. The button sits in the solution's title ("Solution
 * to Exercise 5.1 (...)"), whose text becomes its name; aria-expanded says whether the
 * solution is shown.
 */
(function () {
  "use strict";

  function nameToggles() {
    document.querySelectorAll(".admonition.toggle > .admonition-title").forEach((title) => {
      const button = title.querySelector("button.toggle-button");
      const name = Array.from(title.childNodes)
        .filter((node) => node !== button)
        .map((node) => node.textContent)
        .join("")
        .replace(/\s+/g, " ")
        .trim();
      if (button && name) button.setAttribute("aria-label", name);
    });
  }

  // togglebutton.js, loaded before this file, adds its buttons on DOMContentLoaded
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", nameToggles);
  } else {
    nameToggles();
  }
})();
