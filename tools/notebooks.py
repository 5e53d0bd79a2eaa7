"""Keep every chapter's Colab/Binder notebook in step with its MyST Markdown source.

Usage:
    python tools/notebooks.py sync    # fix install cells, regenerate book/*.ipynb
    python tools/notebooks.py check   # change nothing; exit 1 naming each stale chapter

A chapter with code, ``book/X.md``, gets a paired ``book/X.ipynb`` for the launch buttons
(Colab and Binder open the ``.ipynb``; Sphinx builds the ``.md`` and ignores the
``.ipynb``). The notebook is generated, never edited by hand: it holds the chapter's cells
without outputs and Colab's GPU metadata, so Colab opens it with a GPU runtime selected.

The first code cell of a chapter installs ``dlbook`` when it runs in Colab, from the
repository and branch the launch buttons point at. Both come from ``_config.yml``
(``repository.url`` and ``repository.branch``), so ``sync`` rewrites that cell in the
``.md`` (inserting it where it is missing) whenever the configuration changes.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import jupytext
import nbformat
import yaml
from bookfiles import CODE_CELL, chapters
from bookfiles import text_has_code as has_code

ROOT = Path(__file__).resolve().parent.parent

# Colab selects a runtime from these notebook-level keys ("T4" is its free GPU).
COLAB_METADATA = {
    "accelerator": "GPU",
    "colab": {"gpuType": "T4", "provenance": []},
}

INSTALL_CELL = '''```{{code-cell}} ipython3
:tags: [remove-cell]

# In Colab, install the book's package from its repository (Colab keeps its own torch).
import sys

if "google.colab" in sys.modules:
    %pip install --quiet --no-deps "dlbook @ git+{url}@{branch}"
```'''



def repository(root: Path = ROOT) -> tuple[str, str]:
    """The repository URL and branch of ``_config.yml``: ``("https://...", "main")``."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    repo = config.get("repository") or {}
    url, branch = repo.get("url"), repo.get("branch")
    if not url or not branch:
        raise ValueError("_config.yml must set repository.url and repository.branch")
    url = url.strip().rstrip("/")
    return url.removesuffix(".git"), str(branch).strip()


def install_cell(root: Path = ROOT) -> str:
    """The exact MyST text of the Colab install cell for this repository and branch."""
    url, branch = repository(root)
    return INSTALL_CELL.format(url=url, branch=branch)


def install_source(root: Path = ROOT) -> str:
    """The install cell's code, as it appears in the notebook."""
    return install_cell(root).split("\n\n", 1)[1].rsplit("\n```", 1)[0]


def with_install_cell(text: str, root: Path = ROOT) -> str:
    """The chapter text with its first code cell being the current install cell."""
    cell = install_cell(root)
    first = CODE_CELL.search(text)
    if first is None:
        return text
    if "google.colab" in first.group(0):
        return text[:first.start()] + cell + text[first.end():]
    return text[:first.start()] + cell + "\n\n" + text[first.start():]


def _cell_ids(cells) -> list[str]:
    """Stable cell ids: a hash of the cell's text, numbered when two cells are equal."""
    ids, seen = [], {}
    for cell in cells:
        digest = hashlib.sha1(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:8]
        seen[digest] = seen.get(digest, 0) + 1
        ids.append(digest if seen[digest] == 1 else f"{digest}-{seen[digest]}")
    return ids


def render(md_text: str) -> str:
    """The ``.ipynb`` text for a chapter's MyST Markdown text."""
    source = jupytext.reads(md_text, fmt="md:myst")
    nb = nbformat.v4.new_notebook()
    for cell, cell_id in zip(source.cells, _cell_ids(source.cells)):
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(cell.source, metadata=dict(cell.metadata))
        elif cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(cell.source, metadata=dict(cell.metadata))
        else:
            new = nbformat.v4.new_raw_cell(cell.source, metadata=dict(cell.metadata))
        new.id = cell_id
        nb.cells.append(new)
    nb.metadata = nbformat.from_dict({
        **COLAB_METADATA,
        "kernelspec": source.metadata["kernelspec"],
        "language_info": {"name": "python"},
    })
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def stale(root: Path = ROOT) -> list[str]:
    """One line per out-of-date file; empty when every pair is in sync."""
    problems, expected = [], set()
    for md in chapters(root):
        text = md.read_text(encoding="utf-8")
        rel = md.relative_to(root)
        if not has_code(text):
            continue
        if with_install_cell(text, root) != text:
            problems.append(f"{rel}: its first code cell is not the install cell for "
                            f"{'@'.join(repository(root))}")
        ipynb = md.with_suffix(".ipynb")
        expected.add(ipynb)
        if not ipynb.exists():
            problems.append(f"{ipynb.relative_to(root)}: missing")
        elif ipynb.read_text(encoding="utf-8") != render(with_install_cell(text, root)):
            problems.append(f"{ipynb.relative_to(root)}: out of sync with {rel}")
    for ipynb in sorted((root / "book").glob("*.ipynb")):
        if ipynb not in expected:
            problems.append(f"{ipynb.relative_to(root)}: pairs with no chapter with code")
    return problems


def sync(root: Path = ROOT) -> list[str]:
    """Bring every pair in sync; return the files written or removed."""
    changed, expected = [], set()
    for md in chapters(root):
        text = md.read_text(encoding="utf-8")
        if not has_code(text):
            continue
        new_text = with_install_cell(text, root)
        if new_text != text:
            md.write_text(new_text, encoding="utf-8")
            changed.append(str(md.relative_to(root)))
        ipynb = md.with_suffix(".ipynb")
        expected.add(ipynb)
        notebook = render(new_text)
        if not ipynb.exists() or ipynb.read_text(encoding="utf-8") != notebook:
            ipynb.write_text(notebook, encoding="utf-8")
            changed.append(str(ipynb.relative_to(root)))
    for ipynb in sorted((root / "book").glob("*.ipynb")):
        if ipynb not in expected:
            ipynb.unlink()
            changed.append(f"{ipynb.relative_to(root)} (removed)")
    return changed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["sync", "check"])
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if args.mode == "check":
        problems = stale(root)
        for line in problems:
            print(line, file=sys.stderr)
        if problems:
            print("run `make notebooks` to regenerate them", file=sys.stderr)
        return 1 if problems else 0
    for line in sync(root):
        print(f"wrote {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
