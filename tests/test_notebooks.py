"""Each chapter's paired notebook (book/X.ipynb), which the Colab and Binder buttons open:
it exists, matches its .md cell for cell, carries Colab's GPU metadata, starts with the
install cell for the configured repository and branch, and runs in Colab."""

from __future__ import annotations

import ast
import contextlib
import fnmatch
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml
from helpers.book import ROOT, chapters, has_code, tool
from helpers.tinybook import HEADER

TOOL = ROOT / "tools" / "notebooks.py"
notebooks = tool("notebooks")

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
CHAPTERS = chapters()

# What Colab's runtime has without installing anything (beyond dlbook, which the install
# cell adds). A chapter importing anything else fails in Colab at its first cell.
COLAB_PREINSTALLED = {"torch", "torchvision", "torchaudio", "numpy", "scipy", "pandas",
                      "matplotlib", "mpl_toolkits", "sklearn", "networkx", "seaborn",
                      "PIL", "tqdm", "IPython", "ipywidgets", "requests", "yaml",
                      "sympy", "statsmodels", "h5py", "google"}


def expected_install_source() -> str:
    """The install cell's code for this repository, written out apart from the tool."""
    url = CONFIG["repository"]["url"].rstrip("/").removesuffix(".git")
    branch = CONFIG["repository"]["branch"]
    return ("# In Colab, install the book's package from its repository "
            "(Colab keeps its own torch).\n"
            "import sys\n\n"
            'if "google.colab" in sys.modules:\n'
            f'    %pip install --quiet --no-deps "dlbook @ git+{url}@{branch}"')


def _cells(nb) -> list[tuple]:
    return [(c.cell_type, c.source, dict(c.metadata)) for c in nb.cells]


def test_notebooks_are_not_sphinx_sources():
    patterns = CONFIG["exclude_patterns"]
    assert any(fnmatch.fnmatch("book/chapter.ipynb", p) for p in patterns), (
        "_config.yml must exclude the paired .ipynb from the build (e.g. '**.ipynb')")


def test_every_pair_is_in_sync():
    problems = notebooks.stale(ROOT)
    assert not problems, "\n".join(problems) + "\nrun `make notebooks`"


@pytest.mark.parametrize("md", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_notebook(md):
    ipynb = md.with_suffix(".ipynb")
    if not has_code(md):
        assert not ipynb.exists(), f"{ipynb.name}: its chapter has no code to launch"
        return
    assert ipynb.exists(), f"{ipynb.name} is missing: run `make notebooks`"
    source = jupytext.read(md)
    notebook = nbformat.read(ipynb, as_version=4)
    nbformat.validate(notebook)

    assert _cells(notebook) == _cells(source), f"{ipynb.name}: cells differ from {md.name}"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, \
                f"{ipynb.name}: outputs are not stripped"

    metadata = notebook.metadata
    assert metadata.get("accelerator") == "GPU", f"{ipynb.name}: no Colab GPU accelerator"
    assert metadata.get("colab", {}).get("gpuType"), f"{ipynb.name}: no colab.gpuType"
    assert metadata.get("kernelspec") == source.metadata["kernelspec"]

    for nb, name in ((source, md.name), (notebook, ipynb.name)):
        first = next(c for c in nb.cells if c.cell_type == "code")
        assert first.source == expected_install_source(), (
            f"{name}: the first code cell is not the Colab install cell for "
            f"{CONFIG['repository']['url']}@{CONFIG['repository']['branch']}")
        assert "remove-cell" in first.metadata.get("tags", []), \
            f"{name}: the install cell must be tagged remove-cell (hidden on the site)"


def _required_imports(source: str) -> set[str]:
    """Top-level modules a cell imports, except in a ``try`` that catches ImportError."""
    code = re.sub(r"^(\s*)[%!].*$", r"\1pass", source, flags=re.MULTILINE)
    found, stack = set(), [ast.parse(code)]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError",
                                                               "ModuleNotFoundError")
                for h in node.handlers):
            stack.extend(node.handlers + node.orelse + node.finalbody)
            continue
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        stack.extend(ast.iter_child_nodes(node))
    return found


@pytest.mark.parametrize("md", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_imports_are_available_in_colab(md):
    """Colab has only its own packages and dlbook (installed with --no-deps)."""
    missing = set()
    for cell in jupytext.read(md).cells:
        if cell.cell_type == "code":
            missing |= {m for m in _required_imports(cell.source)
                        if m not in sys.stdlib_module_names and m != "dlbook"
                        and m not in COLAB_PREINSTALLED}
    assert not missing, (f"{md.name} imports {sorted(missing)}, which Colab does not have "
                         "and the install cell does not install")


# --- the tool itself, on a scratch repository -----------------------------------------


class _Run:
    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def _tool(root: Path, mode: str) -> _Run:
    """The tool's command line, in this process (fast; the Makefile runs the script)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = notebooks.main([mode, "--root", str(root)])
    return _Run(code, out.getvalue(), err.getvalue())


def test_the_script_runs_as_the_makefile_runs_it(tmp_path):
    """As a command: `check` fails naming a stale pair, and `sync` fixes it."""
    (tmp_path / "book").mkdir()
    _write_config(tmp_path, "https://github.com/someone/a-book", "main")
    (tmp_path / "book" / "a.md").write_text(HEADER + "\n# A\n\n"
                                            "```{code-cell} ipython3\nprint(1)\n```\n")

    def run(mode: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(TOOL), mode, "--root", str(tmp_path)],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)

    check = run("check")
    assert check.returncode == 1 and "book/a.ipynb: missing" in check.stderr, check.stderr
    sync = run("sync")
    assert sync.returncode == 0, sync.stderr
    assert (tmp_path / "book" / "a.ipynb").exists()
    assert _tool(tmp_path, "check").returncode == 0  # in sync now


def _write_config(root: Path, url: str, branch: str) -> None:
    (root / "_config.yml").write_text(
        f"repository:\n  url: {url}\n  branch: {branch}\n", encoding="utf-8")


def test_sync_and_check_on_a_scratch_repository(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    _write_config(tmp_path, "https://github.com/someone/a-book", "main")
    stale_cell = ("```{code-cell} ipython3\n:tags: [remove-cell]\n\n"
                  "# In Colab, install the book's package from its repository "
                  "(Colab keeps its own torch).\nimport sys\n\n"
                  'if "google.colab" in sys.modules:\n'
                  '    %pip install --quiet --no-deps '
                  '"dlbook @ git+https://github.com/old/place@dev"\n```\n')
    (book / "a.md").write_text(HEADER + "\n# A\n\n" + stale_cell
                               + "\n```{code-cell} ipython3\nprint(1)\n```\n")
    (book / "b.md").write_text(HEADER + "\n# B\n\nText.\n\n"
                               "````{code-cell} ipython3\nx = 2\n````\n")
    (book / "c.md").write_text(HEADER + "\n# C\n\nNo code here.\n")
    (book / "d.md").write_text("# Not a notebook\n\n```python\nprint(3)\n```\n")
    (book / "stray.ipynb").write_text("{}")

    check = _tool(tmp_path, "check")
    assert check.returncode == 1
    for name in ("book/a.md", "book/a.ipynb: missing", "book/b.md",
                 "book/b.ipynb: missing", "book/stray.ipynb"):
        assert name in check.stderr, check.stderr
    assert "c.md" not in check.stderr and "d.md" not in check.stderr

    sync = _tool(tmp_path, "sync")
    assert sync.returncode == 0, sync.stderr
    assert _tool(tmp_path, "check").returncode == 0
    assert not (book / "stray.ipynb").exists()
    assert not (book / "c.ipynb").exists() and not (book / "d.ipynb").exists()
    for name in ("a", "b"):
        nb = jupytext.read(book / f"{name}.md")
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code[0].source.endswith(
            '"dlbook @ git+https://github.com/someone/a-book@main"')
        assert len([c for c in code if "google.colab" in c.source]) == 1
        assert _cells(nbformat.read(book / f"{name}.ipynb", as_version=4)) == _cells(nb)
    assert "x = 2" in (book / "b.md").read_text()
    assert _tool(tmp_path, "sync").stdout == "", "a second sync must change nothing"

    # the branch changes in _config.yml: both the .md's install cell and the .ipynb follow
    _write_config(tmp_path, "https://github.com/someone/a-book/", "release")
    check = _tool(tmp_path, "check")
    assert check.returncode == 1 and "book/a.md" in check.stderr
    assert "book/a.ipynb: out of sync" in check.stderr
    assert _tool(tmp_path, "sync").returncode == 0
    assert '@release"' in (book / "a.md").read_text()
    notebook = json.loads((book / "a.ipynb").read_text())
    assert '@release"' in "".join(notebook["cells"][1]["source"])
    assert notebook["metadata"]["accelerator"] == "GPU"
    assert _tool(tmp_path, "check").returncode == 0
