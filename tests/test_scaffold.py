"""The scaffold every chapter shares (issue 12), in its source and on the built site.

In the source (fast, no build): each chapter with code opens with its
``chapter-overview`` box (3 to 5 objectives, an "It assumes" line that links what it
assumes) and ends with ``## Key takeaways`` (each one sends the reader to the section
that teaches it) and ``## Further reading`` (each item a ``{cite:t}`` of
references.bib); every ``{term}`` names a glossary term; the first use of each glossary
term in a chapter's running prose links the glossary (``ALLOWED`` lists the few uses
where the word is not the term, each with its reason); the glossary holds the terms of
the workshop's slides; code lines fit in 88 characters; ``glue`` is called only in
cells the page does not show.

On the built site (``-m browser``, after ``make book``; ``DLBOOK_SITE`` points
elsewhere): no visible code calls ``glue``, no displayed code line is longer than 88
characters, every chapter shows its box with the run time MyST-NB recorded, Sphinx's
search index knows the glossary's terms, and the introduction links the course plan.

Each check is a function returning the problems it finds; ``test_*_catch_*`` run them on
broken copies of a chapter and of a page, so a check that can no longer fail fails.
"""

from __future__ import annotations

import ast
import functools
import json
import re
from pathlib import Path

import pytest
from helpers.book import (BOOK, ROOT, SITE, article, built_site, has_code, read_chapter,
                          source_of, tool, toc_chapters)
from helpers.scaffold import Chapter, bib_keys, glossary_terms, labels
from helpers.scaffold import read_chapter as read_scaffold

MAX_LINE = 88
OBJECTIVES_LEAD = "After this chapter you will be able to"
ASSUMES_LEAD = "It assumes"

# The terms of the workshop's slides that the glossary must define (the syllabus:
# /work/shared/seed, "Supervised learning" to "Generative adversarial networks").
SLIDES_TERMS = ["supervised learning", "loss", "overfitting", "validation set",
                "augmentation", "perceptron", "activation function", "backpropagation",
                "gradient descent", "momentum", "epoch", "batch size", "mini-batch",
                "hyperparameter", "convolution", "pooling", "recurrent neural network",
                "graph neural network", "generator", "discriminator"]

# Chapters whose first use of a glossary word is not the glossary's term, and which use
# the word in that sense only (so the rule does not apply): (chapter, term, text of the
# source line of that first use) -> why. An entry whose first use has changed (linked,
# reworded, or an earlier use added) fails test_every_allowed_use_is_still_the_first.
ALLOWED = {
    ("activations", "kernel", "with nothing to install and no kernel to start."):
        "a Jupyter kernel, the process that runs a notebook, not a convolution kernel",
    ("fundamentals", "example", "apart, with an example of each."):
        "plain English (one case of each), not a data point",
    ("fundamentals", "regression", "regression) can then be trained on the pixels"):
        "'logistic regression', the name of a classifier, not the regression task",
    ("fundamentals", "tensor", "| 5120 CUDA, 640 Tensor |"):
        "NVIDIA's Tensor cores in the hardware table, not a PyTorch tensor",
    ("bias-variance", "bias", "that systematic error is the **bias**"):
        "the statistical bias of a model, not a unit's bias weight",
    ("neural-networks", "regression", "this model multinomial logistic regression"):
        "'multinomial logistic regression', a classifier's name",
    ("lab-mnist", "regression", "  logistic regression;"):
        "'multinomial logistic regression', a classifier's name",
    ("training", "graph", "the computation builds a graph, the {term}`computational"):
        "the computational graph, linked as such in the same sentence",
    ("applications", "example", "workshop's example is Google Maps"):
        "plain English (an instance), not a data point",
    ("applications", "generator", "(the same generator as in"):
        "the ECG generator of dlbook.signals, not a GAN's generator",
}


def chapter_sources() -> list[Path]:
    """The chapters with code, in the order of the table of contents."""
    sources = [source_of(doc) for doc in toc_chapters()]
    return [s for s in sources if s is not None and has_code(s)]


CHAPTERS = chapter_sources()
IDS = [p.stem for p in CHAPTERS]


def _inline_text(token) -> str:
    return token.content if token is not None else ""


def _roles(inline, names: tuple[str, ...]) -> list:
    return [c for c in inline.children or []
            if c.type == "myst_role" and c.meta.get("name") in names]


def _items(tokens) -> list[list]:
    """The tokens of each item of the first top-level bullet list in ``tokens``."""
    items, depth, current = [], 0, None
    for token in tokens:
        if token.type == "bullet_list_open":
            depth += 1
            if depth == 1 and items:
                break
        elif token.type == "bullet_list_close":
            depth -= 1
            if depth == 0:
                break
        elif token.type == "list_item_open" and depth == 1:
            current = []
            items.append(current)
        elif current is not None and depth >= 1:
            current.append(token)
    return items


def _first_inline(tokens):
    return next((t for t in tokens if t.type == "inline"), None)


# --- the checks (each returns its problems) -------------------------------------------

def overview_problems(chapter: Chapter) -> list[str]:
    box = chapter.after_title()
    if box is None or box.type not in ("fence", "colon_fence") \
            or not box.info.strip().startswith("{chapter-overview}"):
        return ["the chapter does not open with a chapter-overview box right below "
                "its # title"]
    from helpers.scaffold import parser, split_options

    _, body, _ = split_options(box.content)
    tokens = parser().parse(body)
    paragraphs = [t for i, t in enumerate(tokens) if t.type == "inline"
                  and tokens[i - 1].type == "paragraph_open"
                  and tokens[i - 1].level == 0]
    problems = []
    if not paragraphs or paragraphs[0].content != f"**{OBJECTIVES_LEAD}**":
        problems.append(f"the box must start with '**{OBJECTIVES_LEAD}**'")
    objectives = _items(tokens)
    if not 3 <= len(objectives) <= 5:
        problems.append(f"{len(objectives)} objectives, expected 3 to 5")
    assumes = [p for p in paragraphs if p.content.startswith(f"**{ASSUMES_LEAD}**")]
    if len(assumes) != 1:
        problems.append(f"no '**{ASSUMES_LEAD}**' line")
    elif not (_roles(assumes[0], ("doc", "ref", "numref"))
              or any(c.type == "link_open" for c in assumes[0].children)):
        problems.append(f"the '{ASSUMES_LEAD}' line links nothing it assumes")
    if re.search(r"\*\*Time\*\*|\bmin to read\b", box.content):
        problems.append("the box writes a time: the directive adds the measured one")
    return problems


def ending_problems(chapter: Chapter, keys: set[str], targets: set[str]) -> list[str]:
    """The last two sections, their takeaways' {ref}s (to targets of this chapter) and
    their readings' {cite:t}s (to keys of references.bib)."""
    last = [text for _, text in chapter.headings(2)][-2:]
    if last != ["Key takeaways", "Further reading"]:
        return [f"the last two sections are {last}, expected ['Key takeaways', "
                "'Further reading']"]
    problems = []
    takeaways = _items(chapter.section("Key takeaways"))
    if not 3 <= len(takeaways) <= 6:
        problems.append(f"{len(takeaways)} key takeaways, expected 3 to 6")
    for item in takeaways:
        inline = _first_inline(item)
        children = [c for c in inline.children if c.type != "softbreak"]
        while children and children[-1].type == "text" and \
                re.fullmatch(r"[\s).;,]*", children[-1].content):
            children.pop()
        last_child = children[-1] if children else None
        if last_child is None or last_child.type != "myst_role" or \
                last_child.meta.get("name") not in ("ref", "numref"):
            problems.append(f"takeaway does not end with a {{ref}} to its section: "
                            f"{inline.content[:70]!r}")
        elif re.sub(r"^.*<(.*)>$", r"\1", last_child.content) not in targets:
            problems.append(f"takeaway's {{ref}}`{last_child.content}` is not a target "
                            "of this chapter")
    readings = _items(chapter.section("Further reading"))
    if not 2 <= len(readings) <= 4:
        problems.append(f"{len(readings)} further readings, expected 2 to 4")
    for item in readings:
        inline = _first_inline(item)
        first = (inline.children or [None])[0]
        if first is None or first.type != "myst_role" or \
                first.meta.get("name") != "cite:t":
            problems.append(f"further reading does not start with {{cite:t}}: "
                            f"{inline.content[:70]!r}")
            continue
        missing = [k.strip() for k in first.content.split(",") if k.strip() not in keys]
        if missing:
            problems.append(f"further reading cites {missing}, not in references.bib")
    return problems


def term_problems(chapter: Chapter, terms: list[str],
                  allowed: dict = ALLOWED) -> list[str]:
    """The first use of each glossary term in the chapter's prose must link it."""
    source_lines = chapter.path.read_text(encoding="utf-8").split("\n")
    known = set(terms)
    problems, settled = [], set()
    for use in chapter.term_uses(terms):
        if use.linked and use.term not in known:
            problems.append(f"line {use.line}: {{term}}`{use.term}` is not in the "
                            "glossary")
            continue
        if use.term in settled:
            continue
        settled.add(use.term)
        line = source_lines[use.line - 1]
        if not use.linked and not any(chapter.name == c and use.term == t and q in line
                                      for c, t, q in allowed):
            problems.append(f"line {use.line}: the first use of '{use.term}' "
                            f"({use.text!r}) is not a {{term}} link")
    return problems


def install_source() -> str:
    """The Colab install cell, written by tools/notebooks.py and checked exactly by
    tests/test_notebooks.py and tests/test_security.py: its one pip line names the
    repository's URL in full, the one code line allowed past 88 characters."""
    return tool("notebooks").install_source()


def code_line_problems(chapter: Chapter, exempt: str | None = None) -> list[str]:
    problems = []
    for cell in chapter.code_cells():
        if exempt is not None and cell.source == exempt:
            continue
        for n, line in enumerate(cell.source.split("\n")):
            if len(line) > MAX_LINE:
                problems.append(f"line {cell.first_line + n}: code line of {len(line)} "
                                f"characters (at most {MAX_LINE})")
    return problems


def _calls_glue(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Call) and (
        (isinstance(n.func, ast.Name) and n.func.id == "glue")
        or (isinstance(n.func, ast.Attribute) and n.func.attr == "glue"))
        for n in ast.walk(node))


def glue_problems(chapter: Chapter) -> list[str]:
    """``glue(`` only in removed cells, or at the end of a collapsed (hide-input) cell,
    after the lesson's code."""
    problems = []
    for cell in chapter.code_cells():
        if "glue(" not in cell.source or "remove-cell" in cell.tags:
            continue
        where = f"line {cell.line}"
        if "hide-input" not in cell.tags:
            problems.append(f"{where}: a shown cell calls glue( (tag it remove-cell)")
            continue
        code = re.sub(r"^(\s*)[%!].*$", r"\1pass", cell.source, flags=re.MULTILINE)
        body = ast.parse(code).body
        first = next(i for i, stmt in enumerate(body) if _calls_glue(stmt))
        if not all(_calls_glue(stmt) for stmt in body[first:]):
            problems.append(f"{where}: a hide-input cell calls glue( before the end of "
                            "its lesson code")
    return problems


# --- source-level tests ---------------------------------------------------------------

def test_the_toc_has_chapters_with_code():
    assert len(CHAPTERS) >= 10, [p.name for p in CHAPTERS]


def test_glossary_defines_the_terms_of_the_slides():
    terms = set(glossary_terms())
    missing = [t for t in SLIDES_TERMS if t not in terms]
    assert not missing, f"book/glossary.md lacks the slides' terms {missing}"


def test_every_term_link_names_a_glossary_term():
    terms = set(glossary_terms())
    problems = []
    for md in sorted(BOOK.glob("*.md")):
        text = md.read_text(encoding="utf-8")
        for m in re.finditer(r"\{term\}`([^`]*)`", text):
            label = re.sub(r"\s+", " ", m.group(1))
            target = re.sub(r"^.*<([^<>]*)>\s*$", r"\1", label).strip().lower()
            if target not in terms:
                line = text.count("\n", 0, m.start()) + 1
                problems.append(f"book/{md.name}:{line}: {m.group(0)}")
    assert not problems, "{term} links to no glossary term:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("md", CHAPTERS, ids=IDS)
def test_scaffold_reads_the_code_cells_as_jupytext_does(md):
    """The parser these checks use sees the same code cells as the notebooks."""
    jupytext_cells = [c.source for c in read_chapter(md).cells if c.cell_type == "code"]
    assert [c.source for c in read_scaffold(md).code_cells()] == jupytext_cells


@pytest.mark.parametrize("md", CHAPTERS, ids=IDS)
def test_chapter_opens_with_its_overview_box(md):
    problems = overview_problems(read_scaffold(md))
    assert not problems, f"book/{md.name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("md", CHAPTERS, ids=IDS)
def test_chapter_ends_with_takeaways_and_further_reading(md):
    problems = ending_problems(read_scaffold(md), bib_keys(), labels(md))
    assert not problems, f"book/{md.name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("md", CHAPTERS, ids=IDS)
def test_first_use_of_each_glossary_term_links_the_glossary(md):
    problems = term_problems(read_scaffold(md), glossary_terms())
    assert not problems, (f"book/{md.name} (a word used in another sense goes into "
                          "ALLOWED with its reason):\n  " + "\n  ".join(problems))


def test_every_allowed_use_is_still_the_first():
    """An entry of ALLOWED whose use is no longer the term's first, unlinked use is
    judged again (and removed or updated)."""
    terms = glossary_terms()
    stale = []
    for chapter_name, term, quote in ALLOWED:
        chapter = read_scaffold(BOOK / f"{chapter_name}.md")
        lines = chapter.path.read_text(encoding="utf-8").split("\n")
        first = chapter.first_uses(terms).get(term)
        if first is None or first.linked or quote not in lines[first.line - 1]:
            stale.append((chapter_name, term, quote))
    assert not stale, f"ALLOWED entries that are not a first, unlinked use: {stale}"


@pytest.mark.parametrize("md", CHAPTERS, ids=IDS)
def test_code_lines_fit_in_88_characters(md):
    problems = code_line_problems(read_scaffold(md), exempt=install_source())
    assert not problems, f"book/{md.name}:\n  " + "\n  ".join(problems)


def test_only_the_install_cell_is_exempt_from_the_line_limit():
    """The exemption is the exact cell the notebooks tool writes, nothing else."""
    source = install_source()
    assert source.startswith("# In Colab, install") and "%pip install" in source
    assert max(len(line) for line in source.split("\n")) > MAX_LINE, (
        "the install cell fits in 88 characters now: drop its exemption")
    for md in CHAPTERS:
        first = read_scaffold(md).code_cells()[0]
        assert first.source == source and "remove-cell" in first.tags, md.name


@pytest.mark.parametrize("md", CHAPTERS, ids=IDS)
def test_glue_is_called_only_off_the_page(md):
    problems = glue_problems(read_scaffold(md))
    assert not problems, f"book/{md.name}:\n  " + "\n  ".join(problems)


# --- the checks fail on a broken chapter ----------------------------------------------

GOOD = "training"  # a chapter that passes every check


def _broken(tmp_path: Path, old: str, new: str, count: int = 1) -> Chapter:
    text = (BOOK / f"{GOOD}.md").read_text(encoding="utf-8")
    assert old in text, f"the broken copy's edit no longer applies: {old!r}"
    folder = tmp_path / f"copy{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    path = folder / f"{GOOD}.md"  # the chapter's name: ALLOWED applies as to it
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return read_scaffold(path)


def added(check, broken: Chapter, *args) -> list[str]:
    """The problems ``check`` finds in the broken copy and not in the chapter itself
    (line numbers left out: an edit moves them), so the chapter's own state, passing or
    not, does not decide whether a check can fail."""
    def strip(problems):
        return [re.sub(r"^line \d+: ", "", p) for p in problems]

    original = strip(check(read_scaffold(BOOK / f"{GOOD}.md"), *args))
    return [p for p in strip(check(broken, *args)) if p not in original]


def test_overview_check_catches_a_broken_box(tmp_path):
    box_start = ":::{chapter-overview}\n"
    no_box = _broken(tmp_path, box_start, ":::{note}\n")
    problems = added(overview_problems, no_box)
    assert "does not open with a chapter-overview" in problems[0]
    text = (BOOK / f"{GOOD}.md").read_text(encoding="utf-8")
    box = text[text.index(box_start):text.index("\n:::\n", text.index(box_start)) + 5]
    intro_end = "\n(training-surface)=\n"
    moved = _broken(tmp_path, text, text.replace(box, "", 1).replace(
        intro_end, "\n" + box + intro_end, 1))
    assert added(overview_problems, moved)  # below the introduction, not the title

    objectives = re.findall(r"^- .*?(?=^- |^\n)", box, re.MULTILINE | re.DOTALL)
    two = _broken(tmp_path, "".join(objectives[2:]), "")
    assert any("2 objectives" in p for p in added(overview_problems, two))
    six = _broken(tmp_path, objectives[0], objectives[0] * 3)
    assert any("6 objectives" in p for p in added(overview_problems, six))
    assumes = box[box.index("**It assumes**"):box.rindex(":::")]
    unlinked = _broken(tmp_path, assumes, "**It assumes** the previous chapter.\n")
    assert any("links nothing" in p for p in added(overview_problems, unlinked))
    no_lead = _broken(tmp_path, "**It assumes**", "It assumes")
    assert any("no '**It assumes**'" in p for p in added(overview_problems, no_lead))
    timed = _broken(tmp_path, assumes, assumes + "\n**Time**: about 20 min.\n")
    assert any("writes a time" in p for p in added(overview_problems, timed))


def test_ending_check_catches_a_broken_ending(tmp_path):
    keys, targets = bib_keys(), labels(BOOK / f"{GOOD}.md")
    swapped = _broken(tmp_path, "## Key takeaways", "## Further reading x")
    assert "last two sections" in added(ending_problems, swapped, keys, targets)[0]
    text = (BOOK / f"{GOOD}.md").read_text(encoding="utf-8")
    tail = _broken(tmp_path, text, text + "\n## Summary\n\nIn short.\n")
    assert "last two sections" in added(ending_problems, tail, keys, targets)[0]
    no_ref = _broken(tmp_path, "({ref}`training-lr`).", ".")
    assert any("does not end with a {ref}" in p
               for p in added(ending_problems, no_ref, keys, targets))
    ref_mid = _broken(tmp_path, "({ref}`training-lr`).",
                      "({ref}`training-lr`) and more.")
    assert any("does not end with a {ref}" in p
               for p in added(ending_problems, ref_mid, keys, targets))
    elsewhere = _broken(tmp_path, "({ref}`training-lr`).", "({ref}`ml-cross-entropy`).")
    assert any("not a target of this chapter" in p
               for p in added(ending_problems, elsewhere, keys, targets))
    no_cite = _broken(tmp_path, "- {cite:t}`kingma2015adam`", "- Kingma and Ba")
    assert any("does not start with {cite:t}" in p
               for p in added(ending_problems, no_cite, keys, targets))
    unknown = _broken(tmp_path, "- {cite:t}`kingma2015adam`", "- {cite:t}`nobody2099`")
    assert any("nobody2099" in p
               for p in added(ending_problems, unknown, keys, targets))


def test_term_check_catches_an_unlinked_first_use(tmp_path):
    terms = glossary_terms()
    plain = _broken(tmp_path, "{term}`backpropagation`", "backpropagation")
    assert any("first use of 'backpropagation'" in p
               for p in added(term_problems, plain, terms))
    # a plain use before the link: the link must move to the first use
    early = _broken(tmp_path, "# Training neural networks\n",
                    "# Training neural networks\n\nMomentum helps.\n")
    problems = added(term_problems, early, terms)
    assert any("first use of 'momentum' ('Momentum')" in p for p in problems), problems
    # plurals, the other spelling and a term broken over two lines are uses too
    for prose in ("Two momenta, no: two epochs.", "Some regularization.",
                  "We use gradient\ndescent."):
        title = "# Training neural networks\n"
        copy = _broken(tmp_path, title, f"{title}\n{prose}\n")
        found = added(term_problems, copy, terms)
        assert found, prose
    # code, maths, headings, link texts and captions are not prose
    for text in ("`epoch`", "$\\text{epoch}$", "### An epoch\n",
                 "[the epoch](training.md)", "```{figure} x.png\nOne epoch.\n```"):
        quiet = added(term_problems, _broken(tmp_path, "# Training neural networks\n",
                                      f"# Training neural networks\n\n{text}\n"), terms)
        assert not any("'epoch'" in p for p in quiet), text
    broken = _broken(tmp_path, "{term}`backpropagation`", "{term}`backprop`")
    assert any("{term}`backprop` is not in the glossary" in p
               for p in added(term_problems, broken, terms))
    # an allowed first use exempts the term, and only that one
    line = next(ln for ln in plain.path.read_text().split("\n")
                if "- explain backpropagation as" in ln)
    allowed = {**ALLOWED, (GOOD, "backpropagation", line.strip()): "test"}
    assert added(term_problems, plain, terms, allowed) == []
    assert added(term_problems, early, terms, allowed)


def test_code_checks_catch_long_lines_and_visible_glue(tmp_path):
    long = _broken(tmp_path, "set_seed(0);\n", "set_seed(0);  # " + "x" * 80 + "\n")
    assert any("code line of" in p
               for p in added(code_line_problems, long, install_source()))
    assert code_line_problems(read_scaffold(BOOK / f"{GOOD}.md"))  # the install line
    shown = _broken(tmp_path, "set_seed(0);\n", 'set_seed(0);\nglue("x", 1)\n')
    assert any("a shown cell calls glue(" in p for p in added(glue_problems, shown))
    cell = "```{code-cell} ipython3\n:tags: [hide-input]\n\n"
    early = _broken(tmp_path, "(training-surface)=\n",
                    cell + 'glue("x", 1)\nplt.plot([1])\n```\n\n(training-surface)=\n')
    assert any("before the end" in p for p in added(glue_problems, early))
    late = _broken(tmp_path, "(training-surface)=\n",
                   cell + 'plt.plot([1])\nglue("x", 1)\n```\n\n(training-surface)=\n')
    assert added(glue_problems, late) == []


# --- the built site -------------------------------------------------------------------

DOCS = [f"book/{p.stem}" for p in CHAPTERS]


@pytest.fixture(scope="module")
def site() -> Path:
    return built_site()


@functools.lru_cache(maxsize=4)  # a page is read by two checks in a row
def code_blocks(html: str) -> tuple[tuple[str, bool], ...]:
    """(text, shown) of each code block of a page's article: cell inputs and literal
    blocks (literalinclude), not cell outputs; shown is False inside a closed
    ``<details>`` (a hide-input cell's collapsed code)."""
    blocks = []
    for pre in article(html).find_all("pre"):
        if pre.find_parent("div", class_="cell_output"):
            continue
        closed = any(d.get("open") is None for d in pre.find_parents("details"))
        blocks.append((pre.get_text(), not closed))
    return tuple(blocks)


def page_glue_problems(html: str) -> list[str]:
    return [f"visible code calls glue(: {text.strip()[:80]!r}"
            for text, shown in code_blocks(html) if shown and "glue(" in text]


def page_line_problems(html: str) -> list[str]:
    return [f"code line of {len(line)} characters: {line[:60]!r}..."
            for text, _ in code_blocks(html) for line in text.split("\n")
            if len(line) > MAX_LINE]


def page_run_time(html: str) -> str | None:
    """The run time the page's overview box shows, or None without a box."""
    box = article(html).find(class_="chapter-overview")
    if box is None:
        return None
    text = re.sub(r"\s+", " ", box.get_text().replace("\u00a0", " "))
    match = re.search(r"Time: about .+? to read; its code runs in (.+?) \(measured",
                      text)
    return match.group(1) if match else ""


def recorded_run_time(md: Path) -> float | None:
    """The execution time MyST-NB recorded in the build's cache for the chapter's
    current cells (None if the cache holds no run of them)."""
    from jupyter_cache import get_cache
    from myst_nb.core.read import read_myst_markdown_notebook

    cache_dir = SITE.parent / ".jupyter_cache"
    if not cache_dir.is_dir():
        return None
    cache = get_cache(cache_dir)
    notebook = read_myst_markdown_notebook(md.read_text(encoding="utf-8"))
    try:
        record = cache.match_cache_notebook(notebook)
    except KeyError:
        return None
    return record.data.get("execution_seconds")


def _times_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("_scaffold_chapter_times",
                                                  ROOT / "_ext" / "chapter_times.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def search_index(site: Path) -> dict:
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1:text.rindex(")")])


def unsearchable_terms(index: dict, terms: list[str], page: str) -> list[str]:
    """The terms Sphinx's search would not find on ``page``: a query finds a page when
    every word of it (as the search stems it) is indexed for that page."""
    from sphinx.search.en import SearchEnglish

    language = SearchEnglish({})
    doc = index["docnames"].index(page)
    missing = []
    for term in terms:
        for word in language.split(term):
            if not language.word_filter(word.lower()):  # a query skips stop words too
                continue
            word = word.lower()
            stem = language.stem(word)  # as Sphinx indexes it: the word if its stem
            if not language.word_filter(stem):  # is a stop word ("one" -> "on")
                stem = word
            found = set()
            for table in ("terms", "titleterms"):
                docs = index[table].get(stem, [])
                found |= {docs} if isinstance(docs, int) else set(docs)
            if doc not in found:
                missing.append(f"{term} ({word!r} -> {stem!r})")
                break
    return missing


def test_page_checks_catch_what_they_should():
    visible = ('<article><div class="cell"><div class="cell_input"><pre>x = 1\n'
               'glue("a", x)</pre></div></div></article>')
    hidden = ('<article><div class="cell"><details class="hide above-input"><summary>'
              'Show</summary><div class="cell_input"><pre>glue("a", x)</pre></div>'
              '</details></div></article>')
    opened = hidden.replace("<details ", "<details open ")
    output = ('<article><div class="cell_output"><pre>glue("a", x) ' + "y" * 90
              + "</pre></div></article>")
    assert page_glue_problems(visible) and page_glue_problems(opened)
    assert page_glue_problems(hidden) == [] and page_glue_problems(output) == []
    long = f'<article><div class="highlight"><pre>{"z" * 89}</pre></div></article>'
    assert page_line_problems(long) and not page_line_problems(long.replace("z" * 89,
                                                                             "z" * 88))
    assert page_line_problems(hidden.replace("glue", "g" * 90))  # collapsed code too
    assert page_line_problems(output) == []
    box = ('<article><div class="admonition chapter-overview"><p>In this chapter</p>'
           "<p><strong>Time</strong>: about 12\u00a0min to read; its code runs in "
           "<span>41\u00a0s</span> (measured when this site was built).</p></div>"
           "</article>")
    assert page_run_time(box) == "41 s"
    assert page_run_time("<article><p>No box</p></article>") is None
    assert page_run_time(box.replace("Time", "Tim")) == ""
    index = {"docnames": ["a", "book/glossary"], "terms": {"gradient": [0, 1],
             "descent": 0, "momentum": 1}, "titleterms": {}}
    assert unsearchable_terms(index, ["momentum"], "book/glossary") == []
    glossary = ('<article><dl class="glossary simple"><dt id="term-Momentum">Momentum'
                '<a class="headerlink" href="#term-Momentum">#</a></dt><dd>...</dd>'
                "<dt>Gradient\n descent</dt></dl></article>")
    assert page_glossary_terms(glossary) == ["momentum", "gradient descent"]
    assert unsearchable_terms(index, ["gradient descent"], "book/glossary")
    index["terms"]["one"] = 1
    assert unsearchable_terms(index, ["one momentum"], "book/glossary") == []


@pytest.mark.browser
@pytest.mark.parametrize("doc", DOCS)
def test_page_shows_no_glue_call_and_no_long_code_line(site, doc):
    html = (site / f"{doc}.html").read_text(encoding="utf-8")
    problems = page_glue_problems(html) + page_line_problems(html)
    assert not problems, f"{doc}.html:\n  " + "\n  ".join(problems)


@pytest.mark.browser
@pytest.mark.parametrize("md", CHAPTERS, ids=IDS)
def test_page_shows_its_box_with_the_recorded_run_time(site, md):
    html = (site / "book" / f"{md.stem}.html").read_text(encoding="utf-8")
    shown = page_run_time(html)
    assert shown is not None, f"{md.stem}.html shows no chapter-overview box"
    assert shown, f"{md.stem}.html: the box shows no 'Time: ... runs in ...' line"
    seconds = recorded_run_time(md)
    if seconds is None:
        pytest.skip(f"the build's cache holds no run of {md.name}'s current cells")
    expected = _times_module().format_run_time(seconds).replace("\u00a0", " ")
    assert shown == expected, (f"{md.stem}.html says its code runs in {shown}; "
                               f"MyST-NB recorded {seconds:.1f} s ({expected})")


def page_glossary_terms(html: str) -> list[str]:
    """The terms a built glossary page defines (its ``<dt>`` entries)."""
    terms = []
    for dl in article(html).find_all("dl", class_="glossary"):
        for dt in dl.find_all("dt"):
            for anchor in dt.find_all("a", class_="headerlink"):
                anchor.decompose()
            terms.append(re.sub(r"\s+", " ", dt.get_text()).strip().lower())
    return terms


@pytest.mark.browser
def test_search_finds_the_glossary_terms(site):
    terms = page_glossary_terms((site / "book" / "glossary.html").read_text("utf-8"))
    assert set(SLIDES_TERMS) <= set(terms), "the glossary page lacks the slides' terms"
    missing = unsearchable_terms(search_index(site), terms, "book/glossary")
    assert not missing, "search does not find these glossary terms on the glossary " \
                        "page:\n  " + "\n  ".join(missing)


@pytest.mark.browser
def test_introduction_links_the_course_plan(site):
    intro = article((site / "book" / "intro.html").read_text(encoding="utf-8"))
    hrefs = [a.get("href", "").split("#")[0] for a in intro.find_all("a")]
    assert "course-plan.html" in hrefs, "book/intro.html does not link the course plan"
    assert (site / "book" / "course-plan.html").exists()
