"""Nothing a reader runs fetches code from anywhere but this repository.

* The Colab install cell of every chapter installs one thing: this repository's
  ``dlbook``, at the URL and branch of ``_config.yml`` (``repository.url`` and
  ``repository.branch``), with ``--no-deps`` (Colab keeps its own torch; nothing else
  is pulled in from the package index), and only inside Colab.
* No other cell of a chapter or of its paired notebook installs anything, shells out
  to fetch something, imports code from a URL or names a URL at all; no Markdown cell
  embeds a script or frame.
* In the package, only ``dlbook.download`` talks to the network: it downloads MNIST,
  whose files are checked against their published MD5s before use.

The URL is derived here from ``_config.yml`` independently of ``tools/notebooks.py``.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import jupytext
import pytest
from helpers.book import BOOK, ROOT, config

MAGIC_INSTALL = re.compile(r"^\s*[%!]\s*(?:pip3?|python3?\s+-m\s+pip|uv\s+pip|conda|mamba"
                           r"|micromamba|apt(?:-get)?)\b(.*)$", re.MULTILINE)
INSTALL_WORD = re.compile(r"\b(pip3?|conda|mamba|apt(-get)?|easy_install)\s+install\b")
FETCHES = {
    r"^\s*!": "a shell escape",
    r"^\s*(?:import|from)\s+subprocess\b|\bos\.system\(|\bos\.popen\(": "a subprocess",
    r"^\s*(?:import|from)\s+(?:urllib|requests|httpx|http\.client|socket|ftplib)\b":
        "network access",
    r"\btorch\.hub\b|load_state_dict_from_url|download_url_to_file": "a download from "
                                                                       "torch.hub",
    r"\bfetch_openml\(|\bdownload\s*=\s*True\b": "a data set download",
    r"%(?:load|run|loadpy)\s+\S*(?:https?|ftp)://": "code loaded from a URL",
    r"(?<![\w.])(?:exec|eval|__import__)\s*\(|importlib\.import_module": "dynamic code",
}
URL = re.compile(r"\b(?:https?|ftp|git\+\w+|ssh)://[^\s\"'<>)]+")
EMBEDS = re.compile(r"<\s*(script|iframe|embed|object)\b", re.IGNORECASE)


def repository() -> tuple[str, str]:
    repo = config()["repository"]
    return repo["url"].strip().rstrip("/").removesuffix(".git"), str(repo["branch"]).strip()


def chapters() -> list[Path]:
    return sorted(BOOK.glob("*.md"))


def notebooks() -> list[Path]:
    return sorted(BOOK.glob("*.ipynb"))


def cells(path: Path):
    nb = jupytext.read(path, fmt="md:myst") if path.suffix == ".md" else jupytext.read(path)
    return nb.cells


def install_problems(source: str) -> list[str]:
    """What is wrong with a chapter's install cell (its first code cell)."""
    url, branch = repository()
    problems = []
    installs = MAGIC_INSTALL.findall(source)
    if len(installs) != 1:
        return [f"expected one install command, found {len(installs)}"]
    line = next(ln for ln in source.splitlines() if MAGIC_INSTALL.match(ln))
    if not re.match(r"^\s+%pip\s+install\b", line):
        problems.append("the install must be `%pip install`, indented under the Colab test")
    if 'if "google.colab" in sys.modules:' not in source:
        problems.append('the install must run only in Colab (if "google.colab" in '
                        "sys.modules)")
    words = shlex.split(line.strip().removeprefix("%pip").strip())
    options = [w for w in words[1:] if w.startswith("-")]
    requirements = [w for w in words[1:] if not w.startswith("-")]
    if "--no-deps" not in options:
        problems.append("the install must use --no-deps (Colab keeps its own torch)")
    unknown = set(options) - {"--quiet", "-q", "--no-deps"}
    if unknown:
        problems.append(f"unexpected pip options {sorted(unknown)} (an index or a "
                        "requirements file would fetch from elsewhere)")
    wanted = f"dlbook @ git+{url}@{branch}"
    if requirements != [wanted]:
        problems.append(f"installs {requirements}, expected exactly [{wanted!r}] "
                        "(repository.url and repository.branch of _config.yml)")
    return problems


def other_cell_problems(source: str) -> list[str]:
    # comment lines may cite a web page; only code counts
    source = "\n".join(ln for ln in source.splitlines() if not ln.lstrip().startswith("#"))
    problems = []
    if MAGIC_INSTALL.search(source) or INSTALL_WORD.search(source):
        problems.append("installs something")
    for pattern, what in FETCHES.items():
        if re.search(pattern, source, re.MULTILINE):
            problems.append(f"{what} ({re.search(pattern, source, re.MULTILINE)[0]!r})")
    for url in URL.findall(source):
        problems.append(f"names the URL {url}")
    return problems


def test_install_cell_check_rejects_what_it_should():
    url, branch = repository()
    good = ("import sys\n\nif \"google.colab\" in sys.modules:\n"
            f'    %pip install --quiet --no-deps "dlbook @ git+{url}@{branch}"')
    assert install_problems(good) == []
    bad = {
        "no --no-deps": good.replace(" --no-deps", ""),
        "another repository": good.replace(url, "https://github.com/someone/fork"),
        "another branch": good.replace(f"@{branch}", "@dev"),
        "a second package": good.replace('"\n', '" torch\n') + " numpy",
        "an index": good.replace("--quiet", "--index-url https://example.org/simple"),
        "not only in Colab": good.replace('if "google.colab" in sys.modules:\n    ', ""),
        "a shell pip": good.replace("%pip", "!pip"),
        "two installs": good + "\n    %pip install --no-deps numpy",
    }
    for what, source in bad.items():
        assert install_problems(source), what
    fine = "import torch\n# as in https://pytorch.org/docs\nmodel.eval()\nx = evaluate(m)"
    assert other_cell_problems(fine) == []
    for source in ("!wget https://example.org/x.py", "%pip install numpy",
                   "import urllib.request", "torch.hub.load('a/b', 'c')",
                   "%run https://example.org/x.py", "exec(open('x').read())",
                   "pd.read_csv('https://example.org/data.csv')", "import subprocess",
                   "from requests import get", "eval('1 + 1')"):
        assert other_cell_problems(source), source


@pytest.mark.parametrize("path", chapters() + notebooks(), ids=lambda p: p.name)
def test_only_this_repository_is_installed_and_nothing_else_is_fetched(path):
    code = [c for c in cells(path) if c.cell_type == "code"]
    problems = []
    if code:
        problems += [f"install cell: {p}" for p in install_problems(code[0].source)]
        if "remove-cell" not in code[0].metadata.get("tags", []):
            problems.append("install cell: not tagged remove-cell")
    for index, cell in enumerate(code[1:], start=2):
        problems += [f"code cell {index}: {p}" for p in other_cell_problems(cell.source)]
    for cell in cells(path):
        if cell.cell_type != "code" and EMBEDS.search(cell.source):
            problems.append(f"a {cell.cell_type} cell embeds "
                            f"<{EMBEDS.search(cell.source)[1]}>")
    assert not problems, f"book/{path.name}:\n  " + "\n  ".join(problems)


def test_only_the_download_module_uses_the_network():
    network = re.compile(r"^\s*(?:import|from)\s+(urllib|requests|httpx|http\.client|"
                         r"socket|ftplib)\b", re.MULTILINE)
    users = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "code" / "dlbook").rglob("*.py")
                   if network.search(p.read_text(encoding="utf-8")))
    assert users == ["code/dlbook/download.py"], users
    from dlbook import mnist

    # its downloads are data, checked against published checksums, over HTTPS
    assert all(m.startswith("https://") for m in mnist.MNIST_MIRRORS)
    assert all(re.fullmatch(r"[0-9a-f]{32}", h) for h in mnist.MNIST_FILES.values())
