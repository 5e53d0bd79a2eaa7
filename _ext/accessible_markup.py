"""Two pieces of markup from the book's toolchain, changed so that every page passes
axe-core's serious and critical checks (the browser suite runs them on every page).

- A cell with a hidden input (MyST-NB's ``hide-input``) is a ``<details>`` whose
  ``<summary>`` reads "Show code cell source" but was named "Toggle hidden content" by an
  aria-label: a screen-reader user hears a name that is not the one on the screen (WCAG
  2.5.3, label in name). Here the summary is named by its visible text.
- The bibliography (docutils' citations) is a ``role="list"`` whose entries have the DPUB
  role ``doc-biblioentry``, deprecated and not a list item, so assistive technology sees an
  empty list (axe: aria-required-children). Here each entry is a ``listitem``.
"""

from __future__ import annotations

from html import escape

from docutils import nodes
from docutils.writers.html5_polyglot import HTMLTranslator
from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput
from sphinx.application import Sphinx


def visit_hide_cell_input(self, node: HideCodeCellNode) -> None:
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n')
    self.body.append("<summary>\n")
    self.body.append(
        f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n')
    self.body.append(
        f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def visit_citation(self, node: nodes.citation) -> None:
    if not isinstance(node.previous_sibling(), type(node)):
        self.body.append('<div role="list" class="citation-list">\n')
    self.body.append(self.starttag(node, "div", classes=[node.tagname], role="listitem"))


def setup(app: Sphinx) -> dict:
    app.add_node(HideCodeCellNode, override=True,
                 html=(visit_hide_cell_input, depart_HideCellInput))
    app.add_node(nodes.citation, override=True,
                 html=(visit_citation, HTMLTranslator.depart_citation))
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
