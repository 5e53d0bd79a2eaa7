"""Mathematics typeset when the site is built, with KaTeX, instead of in the browser.

Every formula of a page (``$...$``, ``$$...$$``, ``amsmath`` environments, the ``math``
role and directive) becomes KaTeX's HTML with MathML beside it: the browser draws it at
once with KaTeX's stylesheet and fonts, served by the site (``_static/katex/``), runs no
typesetting script, re-flows nothing and puts no formula in the tab order; screen readers
read the MathML. A formula KaTeX cannot parse fails the (strict) build, naming it.

:func:`render_tex` renders one TeX string and can be used by any tool of the book (the
PDF and the slides typeset the same way); it runs KaTeX 0.16 from ``node_modules``
(``make book`` installs it) in one Node.js process that serves every formula of a build.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import subprocess
import threading
from html import escape
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

ROOT = Path(__file__).resolve().parent.parent
RENDERER = Path(__file__).with_name("katex_render.js")
KATEX_DIR = "_static/katex"
# the two faces nearly every formula uses: fetched with the stylesheet, not after it
PRELOAD_FONTS = ("KaTeX_Main-Regular.woff2", "KaTeX_Math-Italic.woff2")

logger = logging.getLogger(__name__)
# amsmath's numbered environments. Sphinx numbers only labelled formulas (as MathJax did
# here, with its numbering off), so these are typeset unnumbered, like their starred forms.
NUMBERED_ENV = re.compile(r"\\(begin|end)\{(equation|align|alignat|gather|multline)\}")


class KatexError(ValueError):
    """KaTeX could not render a formula (its message says where)."""


class _Katex:
    """One Node.js process running ``katex_render.js``, for the process that made it."""

    def __init__(self, root: Path):
        node = shutil.which("node")
        if node is None:
            raise ExtensionError("Node.js (`node`) is needed to typeset the book's maths")
        if not (root / "node_modules" / "katex" / "package.json").exists():
            raise ExtensionError(f"{root}/node_modules/katex is missing: run `npm ci` "
                                 "(`make book` does)")
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.process = subprocess.Popen(
            [node, str(RENDERER), str(root)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1)
        atexit.register(self.close)

    def render(self, tex: str, display: bool, macros: dict | None) -> str:
        request = json.dumps({"tex": tex, "display": display, "macros": macros or {}})
        with self.lock:
            self.process.stdin.write(request + "\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
        if not answer:
            raise ExtensionError(f"KaTeX's Node.js process ended ({RENDERER})")
        answer = json.loads(answer)
        if "error" in answer:
            raise KatexError(answer["error"])
        return answer["html"]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=10)


_katex: _Katex | None = None
_cache: dict[tuple[str, bool, str], str] = {}


def render_tex(tex: str, display: bool = False, *, macros: dict | None = None,
               root: Path | str = ROOT) -> str:
    """KaTeX's HTML (with MathML) for one TeX formula.

    Args:
        tex: the formula, without delimiters (``\\frac{1}{n}``); an ``amsmath``
            environment (``\\begin{aligned}...``) is one formula.
        display: a displayed (block) formula rather than one in the line of text.
        macros: TeX macros, ``{"\\\\R": "\\\\mathbb{R}"}``.
        root: the folder whose ``node_modules`` holds KaTeX.

    Returns:
        ``<span class="katex">...</span>`` (in a ``katex-display`` span when displayed).

    Raises:
        KatexError: KaTeX cannot parse the formula.
    """
    global _katex
    if not isinstance(tex, str):
        raise TypeError(f"tex must be a str, got {type(tex).__name__}")
    key = (tex, bool(display), json.dumps(macros or {}, sort_keys=True))
    if key not in _cache:
        if _katex is None or _katex.pid != os.getpid():  # a forked Sphinx worker
            _katex = _Katex(Path(root))
        _cache[key] = _katex.render(tex, bool(display), macros)
    return _cache[key]


# --- Sphinx: the "katex" HTML math renderer ----------------------------------------------

def _render(self, node, tex: str, display: bool) -> str:
    try:
        return render_tex(tex, display, macros=self.builder.config.katex_macros,
                          root=self.builder.srcdir)
    except KatexError as error:
        logger.warning("cannot typeset %r: %s", tex, error, location=node,
                       type="katex")
        return f'<code class="math-error">{escape(tex)}</code>'


def visit_math(self, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math"))
    self.body.append(_render(self, node, node.astext(), display=False))
    self.body.append("</span>")
    raise nodes.SkipNode


def visit_displaymath(self, node: nodes.math_block) -> None:
    """Sphinx's markup for a displayed formula (its number, then the formula), with
    KaTeX's HTML. ``amsmath`` blocks (``nowrap``) are one environment, typeset whole;
    other blocks may hold several formulas, one a paragraph, aligned together."""
    self.body.append(self.starttag(node, "div", CLASS="math"))
    if node["number"]:
        number = get_node_equation_number(self, node)
        self.body.append('<span class="eqno">(%s)' % number)
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    tex = node.astext()
    if node.get("nowrap"):
        tex = NUMBERED_ENV.sub(r"\\\1{\2*}", tex)
    else:
        parts = [p for p in tex.split("\n\n") if p.strip()]
        if len(parts) > 1:
            tex = "\\begin{aligned}" + "\\\\".join(
                p if "&" in p else "&" + p for p in parts) + "\\end{aligned}"
    self.body.append(_render(self, node, tex.strip(), display=True))
    self.body.append("</div>\n")
    raise nodes.SkipNode


# --- the stylesheet and fonts ------------------------------------------------------------

def _katex_dist(app: Sphinx) -> Path:
    dist = Path(app.srcdir) / "node_modules" / "katex" / "dist"
    if not (dist / "katex.min.css").exists():
        raise ExtensionError(f"{dist} is missing: run `npm ci` (`make book` does)")
    return dist


# Sphinx's markup around a formula, as pydata-sphinx-theme lays it out (a flex row, the
# equation number first, made for MathJax): a displayed formula fills the row, centred,
# and scrolls sideways on a narrow screen rather than being cut; an inline one flows in
# its line like text.
SPHINX_MATH_CSS = """
div.math > .katex-display{flex-grow:1;min-width:0;margin:.5em 0;overflow-x:auto;
overflow-y:hidden;padding:.2em 0}
span.math{display:inline;overflow:visible}
"""


def stylesheet(dist: Path) -> str:
    """KaTeX's stylesheet with WOFF2 fonts only (every browser that runs the site reads
    them) and ``font-display: swap`` for the rare faces not preloaded, then the layout of
    Sphinx's formula markup."""
    css = (dist / "katex.min.css").read_text(encoding="utf-8")
    out, rest = [], css
    while "@font-face{" in rest:
        head, _, rest = rest.partition("@font-face{")
        body, _, rest = rest.partition("}")
        src = body[body.index("src:"):].split(";")[0]
        woff2 = [s for s in src[4:].split(",") if "woff2" in s]
        out.append(head + "@font-face{" + body.replace(src, "src:" + woff2[0])
                   .replace("font-display:block", "font-display:swap") + "}")
    return "".join(out) + rest + SPHINX_MATH_CSS


def copy_katex(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    dist = _katex_dist(app)
    target = Path(app.outdir) / KATEX_DIR
    (target / "fonts").mkdir(parents=True, exist_ok=True)
    css = stylesheet(dist)
    if not (target / "katex.css").exists() \
            or (target / "katex.css").read_text(encoding="utf-8") != css:
        (target / "katex.css").write_text(css, encoding="utf-8")
    for font in (dist / "fonts").glob("*.woff2"):
        dst = target / "fonts" / font.name
        if not dst.exists() or dst.stat().st_size != font.stat().st_size:
            shutil.copy2(font, dst)


def add_stylesheet(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """KaTeX's stylesheet, and its two main fonts preloaded, on pages with maths only."""
    if 'class="katex' not in context.get("body", ""):
        return
    root = context.get("pathto", lambda p, resource=False: p)(KATEX_DIR, 1)
    app.add_css_file("katex/katex.css", priority=400)
    for font in PRELOAD_FONTS:
        context["metatags"] = context.get("metatags", "") + (
            f'\n<link rel="preload" href="{root}/fonts/{font}" as="font" '
            'type="font/woff2" crossorigin>')


def setup(app: Sphinx) -> dict:
    app.add_config_value("katex_macros", {}, "html", types=[dict])
    app.add_html_math_renderer("katex", (visit_math, None), (visit_displaymath, None))
    app.connect("html-page-context", add_stylesheet)
    app.connect("build-finished", copy_katex)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
