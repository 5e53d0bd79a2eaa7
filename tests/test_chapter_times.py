"""The chapter's opening box and its measured times (_ext/chapter_times.py).

The formatting is tested directly; a tiny book built with the project's config checks
that the box shows the run time MyST-NB recorded for the chapter in the execution
cache, a reading time from the page's words, that the course plan's roles show the
same times, that deep dives are marked, and that a box without its objectives fails
the strict build.
"""

from __future__ import annotations

import re
import sys

import pytest
from docutils import nodes
from helpers.book import ROOT
from helpers.tinybook import chapter, code_cell, finish, make_book, start_build

sys.path.insert(0, str(ROOT / "_ext"))
import chapter_times as ct  # noqa: E402


@pytest.mark.parametrize("words, text", [
    (0, "1 min"), (100, "1 min"), (ct.WORDS_PER_MINUTE * 3, "3 min"),
    (ct.WORDS_PER_MINUTE * 9.4, "9 min"), (ct.WORDS_PER_MINUTE * 9.6, "10 min"),
    (ct.WORDS_PER_MINUTE * 12.4, "10 min"), (ct.WORDS_PER_MINUTE * 12.6, "15 min"),
    (ct.WORDS_PER_MINUTE * 41, "40 min"),
])
def test_reading_time_is_rounded_to_what_a_reader_can_plan_with(words, text):
    out = ct.format_reading_time(int(words))
    assert out.replace(ct.NBSP, " ") == text
    assert not re.search(r"\d ", out), "a number and its unit never split at a line end"


@pytest.mark.parametrize("seconds, text", [
    (0.2, "under 1 s"), (1.4, "1 s"), (7.96, "8 s"), (59.4, "59 s"), (59.6, "1 min"),
    (64.0, "1 min"), (66.0, "1 min 10 s"), (125.0, "2 min"), (None, "an unmeasured time"),
])
def test_run_time_is_rounded_and_says_when_nothing_was_measured(seconds, text):
    out = ct.format_run_time(seconds)
    assert out.replace(ct.NBSP, " ") == text
    assert not re.search(r"\d ", out), "a number and its unit never split at a line end"


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_a_run_time_that_is_no_time_is_an_error(bad):
    with pytest.raises(ValueError, match="seconds"):
        ct.format_run_time(bad)
    with pytest.raises(ValueError, match="words"):
        ct.format_reading_time(-5)


def test_words_count_prose_and_visible_code_not_outputs_or_collapsed_code():
    doc = nodes.section()
    doc += nodes.paragraph("", "one two three")
    shown = nodes.container(nb_element="cell_code")
    shown += nodes.container("", nodes.literal_block("", "x = 1 + 2"),
                             nb_element="cell_code_source")
    shown += nodes.container("", nodes.literal_block("", "3 and many more words"),
                             nb_element="cell_code_output")
    hidden = nodes.container(nb_element="cell_code", hide_mode="input")
    hidden += nodes.container("", nodes.literal_block("", "plt.plot(a, b, c)"),
                              nb_element="cell_code_source")
    doc += [shown, hidden]
    assert ct.count_words(doc) == 3 + 5


SLEEP = 2.5  # seconds the timed chapter's code takes at least
PROSE_WORDS = ct.WORDS_PER_MINUTE * 10  # ten minutes of reading at the book's rate

TIMED = chapter(
    "Timed",
    ":::{chapter-overview}\n**After this chapter you will be able to**\n\n"
    "- wait;\n- count;\n- read.\n\n**It assumes** nothing.\n:::\n",
    " ".join(["word"] * PROSE_WORDS) + "\n",
    code_cell(f"import time\ntime.sleep({SLEEP})\nprint('slept')"),
    "## A detour\n\n:::{deep-dive}\nThe core path ends here.\n:::\n\nMore.\n",
    ":::{deep-dive} A passage\nSome maths, $1 + 1$.\n:::\n",
)
PLAN = ("# Plan\n\nReading {reading-time}`timed`, running {run-time}`timed`.\n")
BAD_BOX = chapter(
    "Bad box",
    ":::{chapter-overview}\n**After this chapter you will be able to**\n\n"
    "- wait;\n- count.\n\n**It assumes** nothing.\n:::\n",
    code_cell("print(1)"),
)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_built_chapter_shows_its_measured_times(tmp_path):
    from jupyter_cache import get_cache

    bad_root = make_book(tmp_path / "bad", {"bad": BAD_BOX})
    bad = start_build(bad_root)
    root = make_book(tmp_path / "good", {"timed": TIMED})
    (root / "book" / "plan.md").write_text(PLAN)
    with open(root / "_toc.yml", "a") as toc:
        toc.write("- file: book/plan\n")
    code, log = finish(start_build(root), root)
    assert code == 0, log[-3000:]

    records = get_cache(root / "_build" / ".jupyter_cache").list_cache_records()
    seconds = [r.data["execution_seconds"] for r in records
               if r.uri.endswith("timed.md")]
    assert len(seconds) == 1 and seconds[0] >= SLEEP
    run = ct.format_run_time(seconds[0]).replace(ct.NBSP, " ")
    html = (root / "_build" / "html" / "book" / "timed.html").read_text()
    text = _text(html)
    assert "In this chapter" in text
    assert f"Time: about 10 min to read; its code runs in {run} " in text
    assert re.search(r"\d+ s", run) and int(run.split()[0]) >= SLEEP // 1
    plan = _text((root / "_build" / "html" / "book" / "plan.html").read_text())
    assert f"Reading 10 min, running {run}." in plan

    assert re.search(r'<section (?=[^>]*class="deep-dive")(?=[^>]*id="a-detour")', html)
    assert "Deep dive, beyond the lecture" in text
    assert "Deep dive: A passage" in text

    code, log = finish(bad, bad_root)
    assert code != 0
    assert "chapter-overview: 2 objectives, expected a list of 3 to 5" in log
