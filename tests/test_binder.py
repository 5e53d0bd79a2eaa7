"""The Binder environment (binder/): it parses, it is the tested environment cut down to
what the chapters and dlbook import, torch is the CPU build, and dlbook comes from the
repository."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"

# the book's build and test stack: Binder's kernel needs none of it
BUILD_STACK = {"jupyter-book", "sphinx", "sphinx-book-theme", "sphinx-thebe",
               "sphinx-exercise", "sphinxcontrib-bibtex", "jupytext", "pytest",
               "pytest-timeout", "hypothesis", "playwright", "jupyter-server", "zizmor"}
# provided by Binder's own Jupyter environment
BINDER_BASE = {"ipython", "ipykernel", "jupyter-client", "jupyter-core", "traitlets"}


def _requirements() -> tuple[list[str], list[Requirement]]:
    options, requirements = [], []
    for line in (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            options.append(line)
        else:
            requirements.append(Requirement(line))
    return options, requirements


def _constraints() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "==" in line:
            name, version = line.split("==", 1)
            pins[canonicalize_name(name)] = Version(version)
    return pins


def _optional(node: ast.Try) -> bool:
    """A ``try:`` whose ``except`` catches ImportError: what it imports is optional."""
    names = set()
    for handler in node.handlers:
        types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        names |= {t.id for t in types if isinstance(t, ast.Name)}
    return bool(names & {"ImportError", "ModuleNotFoundError"})


def _imports(source: str) -> set[str]:
    """Top-level modules imported by Python code, except optional ones (imported in a
    ``try`` that catches ImportError); IPython magics and shell lines are ignored."""
    code = re.sub(r"^(\s*)[%!].*$", r"\1pass", source, flags=re.MULTILINE)
    found, stack = set(), [ast.parse(code)]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Try) and _optional(node):
            stack.extend(node.handlers + node.orelse + node.finalbody)
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        stack.extend(ast.iter_child_nodes(node))
    return found


def _chapter_code(path: Path) -> list[str]:
    import jupytext

    return [c.source for c in jupytext.read(path).cells if c.cell_type == "code"]


def runtime_imports() -> dict[str, set[str]]:
    """Third-party modules the kernel needs -> where they are imported."""
    where: dict[str, set[str]] = {}
    sources = [(p, p.read_text(encoding="utf-8"))
               for p in sorted((ROOT / "code" / "dlbook").rglob("*.py"))]
    sources += [(p, cell) for p in sorted((ROOT / "book").glob("*.md"))
                if "{code-cell}" in p.read_text(encoding="utf-8")
                for cell in _chapter_code(p)]
    for path, source in sources:
        for module in _imports(source):
            if module in sys.stdlib_module_names or module in ("dlbook", "__future__"):
                continue
            where.setdefault(module, set()).add(str(path.relative_to(ROOT)))
    return where


def test_requirements_parse_and_take_torch_from_the_cpu_index():
    options, requirements = _requirements()
    assert options == [f"--extra-index-url {CPU_INDEX}"], options
    torch = next(r for r in requirements if canonicalize_name(r.name) == "torch")
    (spec,) = torch.specifier
    assert spec.operator == "==" and Version(spec.version).local == "cpu", (
        f"torch must be pinned to the CPU wheel (torch==X.Y.Z+cpu), not {torch}")


def test_versions_are_the_tested_ones():
    pins = _constraints()
    for requirement in _requirements()[1]:
        name = canonicalize_name(requirement.name)
        (spec,) = requirement.specifier
        assert spec.operator == "==", f"{requirement} is not pinned"
        assert name in pins, f"{name} is not in constraints.txt, so it is not tested"
        assert Version(spec.version).public == pins[name].public, (
            f"binder pins {requirement}, the book is tested with {name}=={pins[name]}")


def test_no_book_building_stack():
    names = {canonicalize_name(r.name) for r in _requirements()[1]}
    assert not names & BUILD_STACK, f"Binder does not need {sorted(names & BUILD_STACK)}"


def test_names_everything_the_chapters_and_dlbook_import():
    names = {canonicalize_name(r.name) for r in _requirements()[1]} | BINDER_BASE
    distributions = importlib.metadata.packages_distributions()
    missing = []
    for module, places in sorted(runtime_imports().items()):
        provided_by = {canonicalize_name(d) for d in distributions.get(module, [module])}
        if not provided_by & names:
            missing.append(f"{module} (imported by {', '.join(sorted(places))})")
    assert not missing, "binder/requirements.txt lacks: " + "; ".join(missing)


def test_post_build_installs_dlbook_from_the_repository():
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK), "binder/postBuild must be executable"
    text = post_build.read_text(encoding="utf-8")
    assert text.startswith("#!/bin/bash\n")
    assert re.search(r"^python -m pip install .*--no-deps \.$", text, re.MULTILINE), text


def test_post_build_installs_dlbook_and_leaves_the_repository_clean(tmp_path):
    """Run as Binder runs it, in a copy of the repository; its ``python`` installs into
    a scratch folder (offline: no index, the build backend of this environment)."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "code", repo / "code",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md", "binder"):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, repo / name)
    before = sorted(str(p.relative_to(repo)) for p in repo.rglob("*"))
    stub = tmp_path / "bin" / "python"
    stub.parent.mkdir()
    stub.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@" --no-build-isolation '
                    f'--no-index --quiet --target "{tmp_path / "site"}"\n')
    stub.chmod(0o755)
    run = subprocess.run([str(repo / "binder" / "postBuild")], cwd=repo,
                         env={**os.environ, "PATH": f"{stub.parent}:{os.environ['PATH']}"},
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (tmp_path / "site" / "dlbook" / "__init__.py").exists(), "dlbook not installed"
    after = sorted(str(p.relative_to(repo)) for p in repo.rglob("*"))
    left = sorted(set(after) - set(before))
    assert not left, f"postBuild left {left[:4]} ({len(left)} files and folders)"


def test_runtime_is_the_tested_python():
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    assert runtime == f"python-{sys.version_info.major}.{sys.version_info.minor}"


@pytest.mark.parametrize("source, expected", [
    ("import torch.nn as nn\nfrom sklearn.svm import SVC\n%pip install x\n",
     {"torch", "sklearn"}),
    ("from . import x\nimport os, numpy\nif True:\n    !ls\n", {"os", "numpy"}),
    ("try:\n    from myst_nb import glue\nexcept ImportError:\n    import json\n",
     {"json"}),
    ("try:\n    import scipy\nexcept ValueError:\n    pass\n", {"scipy"}),
])
def test_import_scan(source, expected):
    assert _imports(source) == expected
