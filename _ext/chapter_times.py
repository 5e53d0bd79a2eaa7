"""The frame of a chapter: its opening box with measured times, and deep-dive marks.

- ``chapter-overview`` (directive): the box under a chapter's title, an admonition
  "In this chapter" holding what the reader will be able to do (3 to 5 items) and what
  the chapter assumes. It appends the chapter's times itself: the time to read it, from
  the words of the page at :data:`WORDS_PER_MINUTE`, and the time its code took to run,
  as MyST-NB recorded it when it executed the notebook for this build (or for the
  cached run of the same cells).
- ``reading-time`` and ``run-time`` (roles): the same two times of any chapter, named
  like ``{doc}`` names it, for the course plan: ``{run-time}`training```.
- ``deep-dive`` (directive): marks what goes beyond the workshop's lecture. Without a
  title, right below a heading, it marks the whole section (the section gets the class
  ``deep-dive``); with a title, it is a box around a passage of prose.

The times are written into the page when it is written, after every chapter has been
read, so the course plan can show the times of the chapters it names.
"""

from __future__ import annotations

import math

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import docname_join, logging
from sphinx.util.docutils import SphinxDirective, SphinxRole

logger = logging.getLogger(__name__)

# The mean silent reading rate of adults for non-fiction (Brysbaert 2019, the
# meta-analysis cited on the course plan page). Code and mathematics read slower,
# so the estimate is a lower bound.
WORDS_PER_MINUTE = 238
OBJECTIVES_LEAD = "After this chapter you will be able to"
ASSUMES_LEAD = "It assumes"
NBSP = "\u00a0"  # between a number and its unit, so that a line never splits them
MARK = "deep-dive-mark"  # the class of the line under a deep-dive section's heading


class chapter_time(nodes.inline):
    """Placeholder for a chapter's reading or running time, filled in when written."""


def format_reading_time(words: int) -> str:
    """Minutes to read ``words`` words: to the minute up to 10 minutes, to 5 beyond.

    The number and its unit are joined by a no-break space, as in the other formats."""
    if words < 0:
        raise ValueError(f"words must be >= 0, got {words}")
    minutes = words / WORDS_PER_MINUTE
    if minutes < 10:
        return f"{max(1, round(minutes))}{NBSP}min"
    return f"{max(10, 5 * round(minutes / 5))}{NBSP}min"


def format_run_time(seconds: float | None) -> str:
    """A measured execution time, to the second under a minute, to 10 s beyond."""
    if seconds is None:
        return "an unmeasured time"
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"seconds must be a finite time >= 0, got {seconds}")
    if seconds < 1:
        return f"under 1{NBSP}s"
    if seconds < 59.5:
        return f"{round(seconds)}{NBSP}s"
    tens = round(seconds / 10)
    minutes, rest = divmod(tens * 10, 60)
    return f"{minutes}{NBSP}min{NBSP}{rest}{NBSP}s" if rest else f"{minutes}{NBSP}min"


def count_words(doctree: nodes.Node) -> int:
    """The words a reader reads on a page: prose, maths and visible code, not the
    cells' outputs (figures, printed results) nor the code of collapsed cells."""

    def skipped(node: nodes.Node) -> bool:
        if not isinstance(node, nodes.Element):
            return False
        element = node.get("nb_element", "")
        if element.startswith("cell_code_output"):
            return True
        if element == "cell_code_source":  # collapsed code is not read by default
            cell = node.parent
            return cell is not None and cell.get("hide_mode") in ("all", "input")
        return isinstance(node, (nodes.comment, nodes.raw, chapter_time))

    total = 0
    stack = [doctree]
    while stack:
        node = stack.pop()
        if skipped(node):
            continue
        if isinstance(node, nodes.Text):
            total += len(node.astext().split())
        else:
            stack.extend(node.children)
    return total


def _times(env) -> dict:
    if not hasattr(env, "chapter_words"):
        env.chapter_words = {}
    return env.chapter_words


def time_nodes(docname: str) -> list[nodes.Node]:
    """"about N min to read; its code runs in S s ..." for ``docname``."""
    return [
        nodes.strong("", "Time"),
        nodes.Text(": about "),
        chapter_time(kind="read", target=docname),
        nodes.Text(" to read; its code runs in "),
        chapter_time(kind="run", target=docname),
        nodes.Text(" (measured when this site was built)."),
    ]


class ChapterOverview(SphinxDirective):
    """The box that opens a chapter; see the module's docstring."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        box = nodes.admonition(classes=["chapter-overview"])
        self.set_source_info(box)
        box += nodes.title("", "In this chapter")
        self.state.nested_parse(self.content, self.content_offset, box)
        text = box.astext()
        problems = []
        for lead in (OBJECTIVES_LEAD, ASSUMES_LEAD):
            if lead not in text:
                problems.append(f"no '{lead}'")
        lists = [n for n in box.findall(nodes.bullet_list)]
        items = len(lists[0].children) if lists else 0
        if not 3 <= items <= 5:
            problems.append(f"{items} objectives, expected a list of 3 to 5")
        if problems:
            logger.warning("chapter-overview: %s", "; ".join(problems),
                           location=box)
        box += nodes.paragraph("", "", *time_nodes(self.env.docname))
        _times(self.env)  # the word count is taken when the page has been read
        return [box]


class TimeRole(SphinxRole):
    """``{reading-time}`chapter``` and ``{run-time}`chapter```, names as for {doc}."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        target = docname_join(self.env.docname, self.text.strip())
        node = chapter_time(self.rawtext, kind=self.kind, target=target)
        self.set_source_info(node)
        users = getattr(self.env, "chapter_time_users", set())
        users.add(self.env.docname)
        self.env.chapter_time_users = users
        return [node], []


class DeepDive(SphinxDirective):
    """Material beyond the lecture; see the module's docstring."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = {"class": directives.class_option}

    def run(self) -> list[nodes.Node]:
        if self.arguments:
            box = nodes.admonition(classes=["deep-dive"])
            self.set_source_info(box)
            title = f"Deep dive: {self.arguments[0]}"
            textnodes, messages = self.state.inline_text(title, self.lineno)
            box += nodes.title(title, "", *textnodes)
            box += messages
            self.state.nested_parse(self.content, self.content_offset, box)
            return [box]
        mark = nodes.container(classes=[MARK])
        self.set_source_info(mark)
        para = nodes.paragraph()
        para += nodes.strong("", "Deep dive")
        para += nodes.Text(
            ", beyond the lecture: a reader short of time can skip this section.")
        mark += para
        self.state.nested_parse(self.content, self.content_offset, mark)
        return [mark]


def mark_sections(app: Sphinx, doctree: nodes.document) -> None:
    """Give each deep-dive section its class, and record the page's word count."""
    for mark in doctree.findall(nodes.container):
        if MARK not in mark["classes"]:
            continue
        section = mark.parent
        if not isinstance(section, nodes.section):
            logger.warning("deep-dive without a title must come right below a "
                           "section's heading", location=mark)
            continue
        section["classes"].append("deep-dive")
    _times(app.env)[app.env.docname] = count_words(doctree)


class FillTimes(SphinxPostTransform):
    """Replace each placeholder by the time it stands for."""

    default_priority = 100

    def run(self, **kwargs) -> None:
        from myst_nb.sphinx_ import NbMetadataCollector

        words = _times(self.env)
        for node in list(self.document.findall(chapter_time)):
            target = node["target"]
            if target not in self.env.all_docs:
                logger.warning("%s: no chapter %r", node["kind"], target,
                               location=node)
                text = "?"
            elif node["kind"] == "read":
                text = format_reading_time(words.get(target, 0))
            else:
                data = NbMetadataCollector.get_exec_data(self.env, target) or {}
                text = format_run_time(data.get("runtime"))
            node.replace_self(nodes.inline("", text, classes=["chapter-time"]))


def purge(app: Sphinx, env, docname: str) -> None:
    _times(env).pop(docname, None)
    getattr(env, "chapter_time_users", set()).discard(docname)


def merge(app: Sphinx, env, docnames: set[str], other) -> None:
    _times(env).update({d: w for d, w in _times(other).items() if d in docnames})
    users = getattr(env, "chapter_time_users", set())
    users |= getattr(other, "chapter_time_users", set()) & set(docnames)
    env.chapter_time_users = users


def reread_users(app: Sphinx, env, added, changed, removed) -> list[str]:
    """A page that shows other chapters' times is read again whenever any page is,
    so it never shows the times of an older build."""
    if not (added or changed or removed):
        return []
    return sorted(getattr(env, "chapter_time_users", set()) - set(removed))


def setup(app: Sphinx) -> dict:
    app.add_node(chapter_time)
    app.add_directive("chapter-overview", ChapterOverview)
    app.add_directive("deep-dive", DeepDive)
    app.add_role("reading-time", TimeRole("read"))
    app.add_role("run-time", TimeRole("run"))
    app.add_post_transform(FillTimes)
    app.connect("doctree-read", mark_sections)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-get-outdated", reread_users)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True,
            "parallel_write_safe": True}
