"""Execute one chapter in a fresh kernel and write its text outputs and glued values as
JSON.

Usage: python tests/helpers/execute_chapter.py book/X.ipynb OUT.json

Runs ``tools/run_chapter.py``'s ``execute`` (a fresh kernel, the chapter's folder as
working folder). The tests call it in a subprocess, so several chapters can run at
once and a chapter that hangs or crashes takes nothing else down.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers.book import tool  # noqa: E402

TEXT_TYPES = ("text/plain", "text/markdown", "text/html", "text/latex")
GLUE_PREFIX = "application/papermill.record/"  # dlbook.glue's hidden values
ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")  # object ids in reprs differ run to run


def text_outputs(cell) -> list[str]:
    """What a reader sees as text in a code cell's outputs (not stderr, not images).
    Printed text is one piece however the kernel split it into messages: a busy machine
    sends the lines of one cell in more messages than an idle one."""
    texts = []
    printing = False  # the last piece is printed text, which more printing continues
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream" and out.get("name") == "stdout":
            text = "".join(out["text"]) if isinstance(out["text"], list) else out["text"]
            if printing:
                texts[-1] += text
            else:
                texts.append(text)
            printing = True
            continue
        if kind == "stream":  # stderr: not shown, and it does not split what is printed
            continue
        printing = False
        if kind in ("execute_result", "display_data"):
            for mime in TEXT_TYPES:
                if mime in out.get("data", {}):
                    value = out["data"][mime]
                    texts.append(f"[{mime}] " + ("".join(value) if isinstance(value, list)
                                                 else value))
        elif kind == "error":
            texts.append(f"[error] {out.get('ename')}: {out.get('evalue')}")
    return [ADDRESS.sub("0x…", t) for t in texts]


def glued(notebook) -> dict[str, str]:
    """Every value the chapter glued for its prose, as text (``"0.41"``), by name."""
    values = {}
    for cell in notebook.cells:
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            prefix = out.get("metadata", {}).get("scrapbook", {}).get("mime_prefix", "")
            text = out.get("data", {}).get(prefix + "text/plain")
            if name and text is not None:
                values[name] = "".join(text) if isinstance(text, list) else text
    return values


def summary(notebook) -> dict:
    """What the tests compare of an executed chapter: each code cell's source and text
    outputs, and the glued values."""
    return {"cells": [{"source": cell.source, "outputs": text_outputs(cell)}
                      for cell in notebook.cells if cell.cell_type == "code"],
            "glued": glued(notebook)}


def main(source: str, target: str) -> int:
    from nbclient.exceptions import CellExecutionError

    run_chapter = tool("run_chapter")
    try:
        run = run_chapter.execute(source)
    except CellExecutionError as err:
        result = {"error": str(err)}
    else:
        result = {"seconds": run.seconds, "peak_rss_mb": run.peak_rss_mb,
                  **summary(run.notebook)}
    Path(target).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
