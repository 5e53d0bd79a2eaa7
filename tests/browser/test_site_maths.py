"""The built site's maths, read as files: every formula of the chapters' sources is on its
page, typeset when the site was built (KaTeX, with MathML), and no TeX is left for a
browser script to typeset."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import yaml
from booksite import ROOT, SITE, toc_documents

pytestmark = pytest.mark.browser

# what a reader may see only in code: TeX delimiters and commands left untypeset (a
# dollar before a digit is a price: "$339")
RAW_TEX = re.compile(r"\$(?![\d\s])|\\\(|\\\)|\\\[|\\\]|\\frac|\\begin\{|\\end\{|\\sum|\\partial")
# directives whose body is code, not Markdown
CODE_DIRECTIVES = {"code-cell", "code-block", "code", "literalinclude", "raw"}
FENCE_INFO = re.compile(r"^\{([\w:-]+)\}")


def _parser():
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser
    from markdown_it.renderer import RendererHTML

    extensions = {"amsmath", "colon_fence", "deflist", "dollarmath", "substitution"}
    return create_md_parser(MdParserConfig(enable_extensions=extensions), RendererHTML)


def _options_and_body(content: str) -> tuple[dict, str]:
    """A directive's options (a ``---`` YAML block or ``:key: value`` lines) and body."""
    lines = content.split("\n")
    if lines and lines[0].strip() == "---":
        end = lines.index("---", 1)
        return yaml.safe_load("\n".join(lines[1:end])) or {}, "\n".join(lines[end + 1:])
    options = {}
    while lines and re.match(r"^:[\w-]+:", lines[0]):
        key, _, value = lines.pop(0)[1:].partition(":")
        options[key] = value.strip()
    return options, "\n".join(lines)


def count_formulas(markdown: str, md=None) -> int:
    """The formulas of a MyST Markdown text: ``$...$``, ``$$...$$`` and ``amsmath``
    environments, in prose, in directives (exercises, solutions, admonitions) and in
    the captions of figures made by code cells."""
    md = md or _parser()
    count = 0
    for token in md.parse(markdown):
        tokens = [token] + list(token.children or [])
        for t in tokens:
            if t.type in ("math_inline", "math_block", "math_block_label", "amsmath",
                          "math_inline_double"):
                count += 1
        if token.type in ("fence", "colon_fence"):
            match = FENCE_INFO.match(token.info.strip())
            if not match:
                continue
            options, body = _options_and_body(token.content)
            if match.group(1) in CODE_DIRECTIVES:
                figure = (options.get("mystnb") or {}).get("figure") or {}
                if figure.get("caption"):
                    count += count_formulas(figure["caption"], md)
            else:
                count += count_formulas(body, md)
    return count


class _Page(HTMLParser):
    """The text a reader sees, outside code, and the formulas KaTeX typeset."""

    SKIP = {"script", "style", "pre", "code", "math", "annotation", "semantics"}

    def __init__(self):
        super().__init__()
        self.text, self.formulas, self._skip = [], 0, []
        self.mathml = 0

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if "katex" in classes:
            self.formulas += 1
        if tag == "math":
            self.mathml += 1
        if tag in self.SKIP or "katex-mathml" in classes:
            self._skip.append(tag)
        elif self._skip and tag not in ("br", "img", "meta", "link", "input", "hr"):
            self._skip.append(tag)

    def handle_endtag(self, tag):
        if self._skip and tag in self._skip:
            while self._skip and self._skip.pop() != tag:
                pass

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _read(doc: str) -> _Page:
    page = _Page()
    page.feed((SITE / f"{doc}.html").read_text(encoding="utf-8"))
    return page


@pytest.mark.parametrize("doc", toc_documents())
def test_every_formula_of_the_source_is_typeset_on_its_page(doc, site_dir):
    source = (ROOT / f"{doc}.md").read_text(encoding="utf-8")
    page = _read(doc)
    expected = count_formulas(source)
    assert page.formulas == expected, (
        f"{doc}: {expected} formulas in the source, {page.formulas} typeset on the page")
    assert page.mathml == page.formulas, f"{doc}: a formula without MathML"
    raw = sorted({m.group(0) for m in RAW_TEX.finditer(" ".join(page.text))})
    assert not raw, f"{doc}.html shows TeX a script would have to typeset: {raw}"


def test_no_page_loads_mathjax_and_katex_is_served_by_the_site(site_dir):
    loads = re.compile(r'(?:src|href)="[^"]*mathjax|window\.MathJax|MathJax\s*=', re.I)
    for html in sorted(SITE.rglob("*.html")):
        found = loads.search(html.read_text(encoding="utf-8"))
        assert not found, f"{html.relative_to(SITE)} loads MathJax: {found.group(0)}"
    css = SITE / "_static" / "katex" / "katex.css"
    assert css.exists(), "KaTeX's stylesheet is not in the site"
    fonts = re.findall(r"url\(([^)]+)\)", css.read_text(encoding="utf-8"))
    assert fonts, "KaTeX's stylesheet names no fonts"
    for font in fonts:
        assert (css.parent / font).exists(), f"{font}, named by katex.css, is missing"


def test_the_counter_sees_every_kind_of_formula():
    """The source count above is only as good as this: inline, display, amsmath, inside
    a directive, in a figure caption; not in code."""
    text = "\n".join([
        "A line $y = wx$ in prose, costing \\$5.", "",
        "$$", "L = \\frac{1}{n}", "$$", "",
        "\\begin{align}", "a &= b", "\\end{align}", "",
        ":::{solution} ex-1", ":label: sol-1", "Then $w_1$.", ":::", "",
        "```{code-cell} ipython3", "---", "mystnb:", "  figure:",
        "    caption: \"Loss over $\\\\eta$.\"", "---", "x = '$not maths$'", "```", "",
        "```{code-block} python", "print('$5')", "```",
    ])
    assert count_formulas(text) == 5


def test_render_tex_gives_html_with_mathml_and_names_a_bad_formula():
    import sys

    sys.path.insert(0, str(ROOT / "_ext"))
    from katex_math import KatexError, render_tex

    inline = render_tex(r"\frac{1}{n}")
    assert inline.startswith('<span class="katex">') and "<mfrac>" in inline
    assert 'aria-hidden="true"' in inline  # the drawn formula; screen readers get MathML
    shown = render_tex(r"\begin{aligned} a &= b \\ c &= d \end{aligned}", display=True)
    assert shown.startswith('<span class="katex-display">') and "<mtable" in shown
    with pytest.raises(KatexError, match="Undefined control sequence"):
        render_tex(r"\nosuchmacro{x}")
    with pytest.raises(TypeError, match="tex must be a str"):
        render_tex(3)
