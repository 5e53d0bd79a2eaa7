"""The built site, read as files: it ships its own browser code and loads none from a
third-party host, and its launch links all point at this repository's notebooks."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from booksite import CONFIG, ROOT, SITE, has_code, repository, toc_documents

pytestmark = pytest.mark.browser

CDN = re.compile(r"\b(unpkg\.com|cdn\.jsdelivr\.net|cdnjs\.cloudflare\.com"
                 r"|ajax\.googleapis\.com|fonts\.googleapis\.com|code\.jquery\.com"
                 r"|esm\.sh|cdn\.skypack\.dev|cdn\.mathjax\.org|polyfill\.io"
                 r"|stackpath\.bootstrapcdn\.com|rawgit)")

# Exact third-party strings allowed in these shipped files (none at present).
ALLOWED: dict[str, set[str]] = {}


class _Tags(HTMLParser):
    """Script and stylesheet URLs of a page, and the text of its inline scripts."""

    def __init__(self):
        super().__init__()
        self.urls, self.inline, self._script = [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self._script = True
            if attrs.get("src"):
                self.urls.append(("script", attrs["src"]))
        elif tag == "link" and set((attrs.get("rel") or "").split()) & {
                "stylesheet", "preload", "modulepreload", "prefetch", "preconnect"}:
            self.urls.append(("link", attrs.get("href", "")))
        elif tag in ("iframe", "embed", "object"):
            if attrs.get("src") or attrs.get("data"):
                self.urls.append((tag, attrs.get("src") or attrs.get("data")))

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = False

    def handle_data(self, data):
        if self._script:
            self.inline.append(data)


def _site_files(*suffixes):
    return sorted(p for p in SITE.rglob("*") if p.suffix in suffixes and p.is_file())


def _cdn_urls(text: str) -> set[str]:
    return {m.group(0) for m in re.finditer(r"""(?:https?:)?//[^\s"'`)<>]+""", text)
            if CDN.search(m.group(0))}


def test_pages_load_no_code_or_styles_from_another_host(site_dir):
    problems = []
    for html in _site_files(".html"):
        parser = _Tags()
        parser.feed(html.read_text(encoding="utf-8"))
        rel = html.relative_to(SITE)
        for tag, url in parser.urls:
            if urlsplit(url).scheme or url.startswith("//"):
                problems.append(f"{rel}: <{tag}> loads {url}")
        for script in parser.inline:
            for url in _cdn_urls(script):
                problems.append(f"{rel}: an inline script names {url}")
    assert not problems, "\n".join(problems)


def test_shipped_code_names_no_cdn(site_dir):
    problems = []
    for path in _site_files(".js", ".css", ".mjs"):
        rel = path.relative_to(SITE).as_posix()
        found = _cdn_urls(path.read_text(encoding="utf-8", errors="replace"))
        allowed = ALLOWED.get(rel, ())
        found = {u for u in found if not any(u.startswith(a) for a in allowed)}
        problems += [f"{rel}: {url}" for url in sorted(found)]
    assert not problems, "\n".join(problems)


def test_the_site_serves_thebe_itself(site_dir):
    assert (SITE / "_thebe" / "index.js").exists(), "thebe is not in the site (_thebe/)"
    assert (SITE / "_thebe" / "thebe.css").exists()
    # thebe's lazily loaded chunks are all there
    index = (SITE / "_thebe" / "index.js").read_text(encoding="utf-8")
    assert len(list((SITE / "_thebe").glob("*.index.js"))) >= 100, "thebe chunks missing"
    assert "thebe" in index
    # and none of thebe's files is linked into pages the way _static files are
    for html in _site_files(".html"):
        assert "_thebe/" not in html.read_text(encoding="utf-8"), html


def test_every_chapter_with_code_offers_live_code_options(site_dir):
    """Each notebook page carries the options live-code.js starts thebe with, derived
    from _config.yml, with the kernel in the chapter's folder."""
    import json

    org, repo, branch = repository()
    chapters = [d for d in toc_documents() if has_code(d)]
    for doc in chapters:
        text = (SITE / f"{doc}.html").read_text(encoding="utf-8")
        match = re.search(r'<script id="live-code-options" type="application/json">(.*?)'
                          r"</script>", text, re.DOTALL)
        assert match, f"{doc}.html has no live-code options"
        options = json.loads(match.group(1))
        assert options["binderOptions"] == {
            "binderUrl": CONFIG["launch_buttons"]["binderhub_url"].rstrip("/"),
            "repo": f"{org}/{repo}", "ref": branch, "repoProvider": "github"}
        assert options["kernelOptions"]["path"] == f"{doc}.ipynb"
        assert (ROOT / options["kernelOptions"]["path"]).exists()
        assert "google.colab" not in text, f"{doc}.html shows the Colab install cell"
