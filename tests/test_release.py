"""A citable release: CITATION.cff names the version of pyproject.toml, which the
site's footer shows (_ext/release.py) and the release workflow checks against its
tag."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
    "project"]["version"]


def test_citation_file_is_complete_and_names_the_version():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    for key in ("cff-version", "message", "title", "authors", "version",
                "repository-code", "url", "license", "date-released"):
        assert citation.get(key), f"CITATION.cff has no {key}"
    assert str(citation["version"]) == VERSION
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert citation["title"] == config["title"]
    assert citation["repository-code"] == config["repository"]["url"]
    assert citation["url"] == config["html"]["baseurl"]


def test_footer_gives_the_version_and_how_to_cite(tmp_path):
    sys.path.insert(0, str(ROOT / "_ext"))
    import release

    class Config:
        html_theme_options = {"repository_url": "https://github.com/o/r",
                              "repository_branch": "main", "extra_footer": ""}
        version = release = ""

    class App:
        srcdir = str(ROOT)

    config = Config()
    release.set_version(App(), config)
    footer = config.html_theme_options["extra_footer"]
    assert f"Version {VERSION}" in footer
    assert 'href="https://github.com/o/r/blob/main/CITATION.cff"' in footer
    assert config.version == config.release == VERSION
