"""A chapter's scaffold read from its MyST source: the opening box, the closing
sections, its code cells and the first use of each glossary term in its prose.

The Markdown is parsed with MyST's own parser (markdown-it with the extensions of
``_config.yml``), so that code, maths, roles, links, headings and captions are told
from running prose the way the build tells them apart. Line numbers are the source
file's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from helpers.book import BOOK, ROOT

# Directives whose body is running prose (read for term uses); every other directive
# (figure captions, maths, literalinclude, glossary, code cells) is not.
PROSE_DIRECTIVES = {"chapter-overview", "deep-dive", "exercise", "solution",
                    "admonition", "note", "tip", "hint", "important", "warning",
                    "seealso", "attention", "caution", "danger", "error", "dropdown"}
# Phrases where a glossary word is plain English, never the term.
PLAIN_PHRASES = re.compile(r"\bfor (?:example|instance)\b", re.IGNORECASE)
# Irregular plurals of glossary terms.
IRREGULAR = {"hypothesis": "hypothes[ie]s"}


@lru_cache(maxsize=None)
def parser():
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    extensions = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))[
        "parse"]["myst_enable_extensions"]
    return create_md_parser(MdParserConfig(enable_extensions=set(extensions)),
                            RendererHTML)


# --- the glossary ---------------------------------------------------------------------

def glossary_terms(path: Path = BOOK / "glossary.md") -> list[str]:
    """The terms of the glossary directive, lower case, in the file's order."""
    text = path.read_text(encoding="utf-8")
    match = re.search(r"^```\{glossary\}[^\n]*\n(.*?)^```", text,
                      re.MULTILINE | re.DOTALL)
    if match is None:
        raise ValueError(f"{path} has no glossary directive")
    return [line.strip().lower() for line in match.group(1).splitlines()
            if line.strip() and not line.startswith((" ", "\t", ":"))]


def term_pattern(term: str) -> re.Pattern:
    """A term, its plural, British or American spelling, hyphen or space."""
    if term in IRREGULAR:
        body = IRREGULAR[term]
    else:
        words = re.split(r"[- ]", term)
        body = "[- ]".join(re.escape(w).replace("isation", "i[sz]ation") for w in words)
        body += "(?:s|es)?"
    return re.compile(rf"(?<![\w-]){body}(?![\w-])", re.IGNORECASE)


# --- directives -----------------------------------------------------------------------

def split_options(body: str) -> tuple[dict, str, int]:
    """A directive's (or code cell's) options, its content and how many lines the
    options took (a ``---`` YAML block or ``:key: value`` lines, then a blank line)."""
    lines = body.split("\n")
    options, n = {}, 0
    if lines and lines[0].strip() == "---":
        end = lines.index("---", 1) if "---" in lines[1:] else None
        if end is None:
            raise ValueError("a YAML options block without its closing ---")
        options = yaml.safe_load("\n".join(lines[1:end])) or {}
        n = end + 1
    else:
        while n < len(lines) and re.match(r"^:[\w-]+:", lines[n]):
            key, _, value = lines[n][1:].partition(":")
            options[key] = yaml.safe_load(value.strip()) if value.strip() else True
            n += 1
    if n and n < len(lines) and not lines[n].strip():
        n += 1
    return options, "\n".join(lines[n:]), n


def directive_name(token) -> tuple[str, str] | None:
    """(name, argument) of a fence that is a directive, else None."""
    match = re.match(r"^\{([\w:-]+)\}\s*(.*)$", token.info.strip())
    return (match.group(1), match.group(2)) if match else None


# --- a chapter ------------------------------------------------------------------------

@dataclass
class CodeCell:
    line: int  # of the opening fence
    tags: list[str]
    options: dict
    source: str
    first_line: int  # of the first line of code


@dataclass
class Use:
    """One use of a glossary term in running prose: linked ({term}) or plain."""
    term: str
    line: int
    linked: bool
    text: str


@dataclass
class Chapter:
    path: Path
    tokens: list = field(repr=False)

    @property
    def name(self) -> str:
        return self.path.stem

    # ~ the top-level blocks ~

    def code_cells(self) -> list[CodeCell]:
        cells = []
        for token in self.tokens:
            name = (directive_name(token) or ("",))[0]
            if token.type == "fence" and name == "code-cell":
                options, source, skipped = split_options(token.content.rstrip("\n"))
                tags = options.get("tags") or []
                cells.append(CodeCell(token.map[0] + 1, list(tags), options, source,
                                      token.map[0] + 2 + skipped))
        return cells

    def headings(self, level: int) -> list[tuple[int, str]]:
        """(index of heading_open, text) of each heading of ``level`` (1 = ``#``)."""
        tag = f"h{level}"
        return [(i, self.tokens[i + 1].content) for i, t in enumerate(self.tokens)
                if t.type == "heading_open" and t.tag == tag]

    def section(self, title: str, level: int = 2) -> list:
        """The tokens of the section with that heading, up to the next heading of the
        same or a higher level."""
        for index, text in self.headings(level):
            if text == title:
                end = next((j for j in range(index + 3, len(self.tokens))
                            if self.tokens[j].type == "heading_open"
                            and int(self.tokens[j].tag[1]) <= level), len(self.tokens))
                return self.tokens[index + 3:end]
        raise KeyError(title)

    def after_title(self):
        """The first block after the ``# Title`` line (a token), or None."""
        titles = self.headings(1)
        if not titles:
            return None
        index = titles[0][0] + 3
        return self.tokens[index] if index < len(self.tokens) else None

    # ~ prose ~

    def term_uses(self, terms: list[str]) -> list[Use]:
        """Every use of a glossary term in running prose, in reading order."""
        patterns = sorted(((t, term_pattern(t)) for t in terms),
                          key=lambda p: -len(p[0]))
        uses = []
        for text, lines, links in prose_runs(self.tokens, 0):
            found = [(start, end, term, True) for start, end, term in links]
            masked = PLAIN_PHRASES.sub(lambda m: "\0" * len(m.group(0)), text)
            taken = []
            for term, pattern in patterns:  # the longest term wins where two overlap
                for m in pattern.finditer(masked):
                    if not any(m.start() < b and a < m.end() for a, b in taken):
                        taken.append((m.start(), m.end()))
                        found.append((m.start(), m.end(), term, False))
            for start, end, term, linked in sorted(found):
                uses.append(Use(term, lines[min(start, len(lines) - 1)], linked,
                                text[start:end]))
        return uses

    def first_uses(self, terms: list[str]) -> dict[str, Use]:
        first = {}
        for use in self.term_uses(terms):
            first.setdefault(use.term, use)
        return first


def read_chapter(path: Path) -> Chapter:
    return Chapter(Path(path), parser().parse(Path(path).read_text(encoding="utf-8")))


def prose_runs(tokens, base: int):
    """(text, line of each character, [(start, end, term target)]) for each inline run
    of running prose: outside headings, code, maths, link texts, images, captions and
    roles other than {term}; a {term} role's span is kept, masked, with its target."""
    skip_inline = False
    for token in tokens:
        if token.type == "heading_open":
            skip_inline = True
        elif token.type == "heading_close":
            skip_inline = False
        elif token.type == "inline" and not skip_inline:
            yield _inline_run(token, base)
        elif token.type in ("fence", "colon_fence"):
            directive = directive_name(token)
            if directive and directive[0] in PROSE_DIRECTIVES:
                _, body, skipped = split_options(token.content)
                yield from prose_runs(parser().parse(body),
                                      base + token.map[0] + 1 + skipped)


def _inline_run(token, base: int):
    line = base + token.map[0] + 1
    text, lines, links = [], [], []
    depth = 0  # inside a link's text

    def add(piece: str):
        text.append(piece)
        lines.extend([line] * len(piece))

    for child in token.children or []:
        if child.type in ("link_open",):
            depth += 1
            add("\0")
        elif child.type == "link_close":
            depth -= 1
        elif child.type in ("softbreak", "hardbreak"):
            add(" ")
            line += 1
        elif child.type == "myst_role" and child.meta.get("name") == "term":
            label = re.sub(r"\s+", " ", child.content)
            target = re.search(r"<([^<>]*)>\s*$", label)
            term = (target.group(1) if target else label).strip().lower()
            start = sum(len(p) for p in text)
            add("\0" * max(1, len(child.content)))
            links.append((start, start + max(1, len(child.content)), term))
        elif depth:  # a link's text (a {term} in it still links the term)
            continue
        elif child.type == "text":
            add(child.content)
        else:  # code, maths, other roles, images, html: not prose
            add("\0")
        line += child.content.count("\n") if child.type in ("math_inline",
                                                             "code_inline") else 0
    return "".join(text), lines, links


def bib_keys(path: Path = ROOT / "references.bib") -> set[str]:
    return set(re.findall(r"^@\w+\{([^,\s]+),", path.read_text(encoding="utf-8"),
                          re.MULTILINE))


def labels(path: Path) -> set[str]:
    """The targets ``(label)=`` and ``:label: name`` a MyST file defines."""
    text = path.read_text(encoding="utf-8")
    return (set(re.findall(r"^\(([\w-]+)\)=\s*$", text, re.MULTILINE))
            | set(re.findall(r"^:label:\s*([\w-]+)\s*$", text, re.MULTILINE)))
