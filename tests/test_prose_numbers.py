"""No measured-looking number is typed by hand into a chapter's text.

A decimal number (``0.30``, ``92.5``) or a percentage (``81%``) in a chapter's prose,
captions, alt texts or solutions must come from somewhere a reader can check:

* glued from the executed code (``{glue:text}`name```), which this test never sees;
* a setting the chapter's code uses, written literally in one of its code cells or in
  the ``dlbook`` source (``lr=0.05``, ``MNIST_MEAN = 0.1307``; ``95%`` for ``0.95``);
* a cited fact: its paragraph (or table) carries a ``{cite...}`` role.

Anything else is a number nobody computed, which is how a page comes to contradict its
own output. Integers are not checked: they are counts and settings ("20 images per
digit"), and a hand-typed integer that should be measured is rarer than a decimal.
Mathematics (``$...$``) is left alone: there a decimal is the result of the arithmetic
shown beside it, which the reader can redo.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers.book import ROOT, source_of, toc_chapters

import jupytext

NUMBER = re.compile(r"(?<![\w.^_{-])(\d+\.\d+|\d+(?:\.\d+)?\s?%)(?![\w.]*\d)")
ROLE = re.compile(r"\{glue:[a-z]+\}`[^`]*`|\{(?:ref|numref|doc|eq|term|download)\}`[^`]*`")
INLINE_CODE = re.compile(r"``[^`]*``|`[^`]*`")
MATH = re.compile(r"\$\$.*?\$\$|\$[^$]+\$", re.S)
URL = re.compile(r"https?://\S+|\]\([^)]*\)")
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`")
LABEL_LINE = re.compile(r"^\s*(:label:|:name:|name:|\(.*\)=$)")
# constants of mathematics that need no source: simple fractions, and the losses of a
# uniform guess (ln 2, ln 4 = 2 ln 2, ln 10) which alt texts, having no glue, write out
EXACT = {"0.5", "0.25", "1.0", "2.0", "0.0", "0.69", "0.693", "1.39", "1.386", "2.3",
         "2.30", "2.303"}


def _code_numbers(chapter_code: str) -> set[str]:
    return set(re.findall(r"\d+\.\d+", chapter_code))


def _package_numbers() -> set[str]:
    text = "\n".join(p.read_text() for p in (ROOT / "code" / "dlbook").rglob("*.py"))
    return set(re.findall(r"\d+\.\d+", text))


def _prose_blocks(path: Path) -> tuple[list[tuple[int, str]], str]:
    """(first line, paragraph) of every text block, and all code joined."""
    nb = jupytext.read(path)
    blocks, code = [], []
    for cell in nb.cells:
        if cell.cell_type == "code":
            code.append(cell.source)
            mystnb = cell.metadata.get("mystnb", {})
            for key in ("image", "figure"):
                for field in ("alt", "caption"):
                    text = mystnb.get(key, {}).get(field)
                    if text:
                        blocks.append((0, f"[{key} {field}] {text}"))
            continue
        if cell.cell_type != "markdown":
            continue
        lines, fenced = [], False
        for line in cell.source.splitlines():
            stripped = line.strip()
            if stripped.startswith("```"):
                # directives (exercise, solution, figure) hold prose; plain fences code
                opening = stripped.strip("`")
                if not fenced and opening and not opening.startswith("{"):
                    fenced = True
                elif fenced and not opening:
                    fenced = False
                lines.append("")
                continue
            if fenced or line.startswith("    ") or LABEL_LINE.match(line):
                lines.append("")
                continue
            lines.append(line)
        paragraph: list[str] = []
        for line in lines + [""]:
            if line.strip():
                paragraph.append(line)
            elif paragraph:
                blocks.append((0, "\n".join(paragraph)))
                paragraph = []
    return blocks, "\n".join(code)


def unsourced_numbers(path: Path, package_numbers: set[str]) -> list[str]:
    """Every decimal or percentage in the chapter's text that nothing backs."""
    blocks, code = _prose_blocks(path)
    allowed = _code_numbers(code) | package_numbers | EXACT
    found = []
    for _, text in blocks:
        if CITE.search(text):
            continue
        bare = MATH.sub(" ", URL.sub(" ", INLINE_CODE.sub(" ", ROLE.sub(" ", text))))
        for match in NUMBER.finditer(bare):
            number = match.group(1)
            value = number.rstrip("% ").strip()
            as_fraction = f"{float(value) / 100:g}" if number.endswith("%") else value
            if value in allowed or as_fraction in allowed:
                continue
            start = max(0, match.start() - 50)
            context = " ".join(bare[start:match.end() + 30].split())
            found.append(f"{number!r} in: ...{context}...")
    return found


def test_the_check_finds_a_typed_number_and_accepts_sourced_ones(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "---\njupytext:\n  text_representation:\n    extension: .md\n"
        "    format_name: myst\n    format_version: 0.13\nkernelspec:\n"
        "  display_name: Python 3\n  language: python\n  name: python3\n---\n\n"
        "```{code-cell} ipython3\nlr, sensitivity = 0.05, 0.95\n```\n\n"
        "A detector that flags 95% of the fakes (the code's 0.95).\n\n"
        "With a learning rate of 0.05 the network reaches about 81% accuracy.\n\n"
        "It reaches {glue:text}`acc` (glued), `0.123` is code, $0.1875$ maths.\n\n"
        "ImageNet top-5 error fell to 15.3% {cite:p}`krizhevsky2012imagenet`.\n"
    )
    found = unsourced_numbers(page, set())
    assert len(found) == 1 and "'81%'" in found[0]


CHAPTERS = [c for c in toc_chapters()
            if (src := source_of(c)) is not None and src.suffix == ".md"]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_number_in_the_text_is_typed_by_hand(chapter):
    found = unsourced_numbers(source_of(chapter), _package_numbers())
    assert not found, (
        f"{chapter}: numbers in the text that no code computes and no citation backs; "
        "glue them from the code, or cite their source:\n  " + "\n  ".join(found))
