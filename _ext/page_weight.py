"""Pages that load fast on a phone: light figures, no unused scripts, a description.

- Figures. The chapters draw at 200 dpi (``book/matplotlibrc``), twice the resolution
  at which the site shows them, so they are sharp on high-density screens. Each PNG is
  stored opaque (RGB, matplotlib's are RGBA with nothing transparent) and in 256
  colours when that keeps it to within 2 levels (of 255) of the original on average,
  else as RGB; the copies go to ``_build/page_images/`` and the page links those. Every
  ``<img>`` gets its ``width`` and ``height`` (the size at 100 dpi, what the site showed
  before, so nothing moves while it loads), and each after a page's first is
  ``loading="lazy"``.
- Scripts. Every script file is deferred (run in order once the page is parsed, not
  before its first paint), except on the search page. pydata-sphinx-theme loads FontAwesome's whole JavaScript (1.4 MB) on every
  page, "so that users can add custom icons"; its stylesheet already draws every icon
  the theme uses with FontAwesome's web fonts, so the script is dropped. Those fonts
  (275 KB for a page with a GitHub link and an admonition) are cut down to the icons the
  site uses (``_static/icons/``, WOFF; a later ``@font-face`` of the same family wins). It also loads
  Sphinx's search index and tools on every page for an inline search the book does not
  turn on; they stay on the search page, which uses them.
- Styles. pydata-sphinx-theme's stylesheet (388 KB, all of Bootstrap and every
  FontAwesome class) is cut to the rules whose class and id names occur in some page or
  script of the site (about a quarter of it); a rule naming a class that nothing on the
  site has cannot match. Names inside ``:not()``, ``:is()`` and the like are not
  judged, so such rules stay.
- A ``<meta name="description">`` for every page: the start of its first paragraph.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import struct
from html import escape
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

IMAGE_DIR = "page_images"
FIGURE_DPI = 100  # the resolution at which a figure is shown at its natural size
DESCRIPTION_CHARS = 155
MAX_PALETTE_ERROR = 2.0
IMG = re.compile(r"<img\b[^>]*>")
SRC = re.compile(r'\bsrc="([^"]+)"')
UNUSED_SCRIPTS = re.compile(
    r'\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>')
SEARCH_SCRIPTS = re.compile(
    r'\s*<script src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js'
    r'|searchindex\.js)"></script>')


# --- figures -----------------------------------------------------------------------------

def png_size(data: bytes) -> tuple[int, int, float | None]:
    """Width and height in pixels of a PNG, and its resolution in dpi (None if unset)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    dpi, pos = None, 8
    while pos < len(data) - 12:
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"pHYs":
            per_metre_x, _, unit = struct.unpack(">IIB", data[pos + 8:pos + 17])
            if unit == 1:
                dpi = per_metre_x * 0.0254
            break
        if kind == b"IDAT":
            break
        pos += 12 + length
    return width, height, dpi


def optimise_png(data: bytes) -> bytes:
    """The PNG opaque and, where that changes it little, in 256 colours; its
    resolution kept."""
    from PIL import Image, ImageChops, ImageStat

    image = Image.open(io.BytesIO(data))
    dpi = image.info.get("dpi")
    if image.mode == "RGBA" and image.getchannel("A").getextrema()[0] < 255:
        return data  # a figure with transparency keeps it
    rgb = image.convert("RGB")
    candidate = rgb
    palette = rgb.quantize(256, method=Image.Quantize.MEDIANCUT,
                           dither=Image.Dither.NONE)
    error = ImageStat.Stat(ImageChops.difference(rgb, palette.convert("RGB"))).mean
    if max(error) <= MAX_PALETTE_ERROR:
        candidate = palette
    out = io.BytesIO()
    candidate.save(out, "PNG", optimize=True, **({"dpi": dpi} if dpi else {}))
    return out.getvalue() if out.tell() < len(data) else data


def light_images(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Point every PNG of the page at its optimised copy (made once per figure)."""
    store = Path(app.outdir).parent / IMAGE_DIR
    for node in doctree.findall(nodes.image):
        uri = node.get("uri", "")
        if not uri.lower().endswith(".png") or "://" in uri:
            continue
        source = Path(app.srcdir) / uri
        if not source.is_file():
            continue
        data = source.read_bytes()
        target = store / f"{hashlib.sha256(data).hexdigest()[:32]}.png"
        if not target.exists():
            store.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(f".{os.getpid()}.tmp")
            partial.write_bytes(optimise_png(data))
            os.replace(partial, target)
        new_uri = os.path.relpath(target, app.srcdir).replace(os.sep, "/")
        app.env.images.add_file(docname, new_uri)  # Sphinx copies known images only
        node["uri"] = new_uri
        node["candidates"] = {key: new_uri if value == uri else value
                              for key, value in node.get("candidates", {}).items()}


def _sized_images(app: Sphinx, body: str) -> str:
    """Every <img> of a page with width and height; lazy after the first."""
    by_name = {Path(out).name: Path(app.srcdir) / src
               for src, out in app.builder.images.items()}
    count = 0

    def attributes(match: re.Match) -> str:
        nonlocal count
        tag = match.group(0)
        count += 1
        src = SRC.search(tag)
        source = by_name.get(Path(src.group(1)).name) if src else None
        extra = ""
        if source is not None and source.suffix.lower() == ".png" \
                and "width=" not in tag and "height=" not in tag:
            width, height, dpi = png_size(source.read_bytes())
            scale = FIGURE_DPI / dpi if dpi else 1.0
            extra += f' width="{round(width * scale)}" height="{round(height * scale)}"'
        if count > 1 and "loading=" not in tag:
            extra += ' loading="lazy" decoding="async"'
        return tag[:-1].rstrip("/").rstrip() + extra + " />" if extra else tag

    return IMG.sub(attributes, body)


# --- the description ---------------------------------------------------------------------

def _ancestors(node: nodes.Node):
    while node.parent is not None:
        node = node.parent
        yield node


def description(doctree: nodes.document | None, fallback: str) -> str:
    """The page's first paragraphs of prose (its words, without the TeX of its
    formulas), cut at a word before 155 characters."""
    text = ""
    if doctree is not None:
        for paragraph in doctree.findall(nodes.paragraph):
            if not isinstance(paragraph.parent, nodes.section):
                continue
            words = "".join(t.astext() for t in paragraph.findall(nodes.Text)
                            if not any(isinstance(a, nodes.math) for a in _ancestors(t)))
            text = f"{text} {words}"
            if len(" ".join(text.split())) >= 100:
                break
    text = re.sub(r"\s+([,.;:)\]])", r"\1", " ".join(text.split())) or fallback
    if len(text) > DESCRIPTION_CHARS:
        text = text[:DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return text


def defer_scripts(context) -> None:
    """Every script file of the page runs after the page is parsed, in order, instead of
    holding up its first paint (inline scripts, which only set variables, run first).
    Not on the search page, whose inline script calls doctools.js at once."""
    deferred = []
    for js in context.get("script_files", []):
        attributes = dict(getattr(js, "attributes", None) or {})
        if getattr(js, "filename", None) and not attributes.get("body") \
                and "async" not in attributes \
                and attributes.get("type", "text/javascript") == "text/javascript":
            js = type(js)(js.filename, priority=js.priority,
                          **{**attributes, "defer": "defer"})
        deferred.append(js)
    context["script_files"] = deferred


def update_page(app: Sphinx, pagename, templatename, context, doctree) -> None:
    if pagename != "search":
        defer_scripts(context)
    if "body" in context:
        context["body"] = _sized_images(app, context["body"])
    title = re.sub(r"<[^>]+>", "", context.get("title") or "")
    fallback = f"{title} of {app.config.project}" if title else app.config.project
    context["metatags"] = context.get("metatags", "") + (
        f'\n<meta name="description" content="{escape(description(doctree, fallback))}" />')


# --- the icon fonts, cut down to the icons used ------------------------------------------

ICON_DIR = "_static/icons"
FA_FONTS = {  # file of pydata-sphinx-theme's FontAwesome, (family, weight)
    "fa-solid-900": ("Font Awesome 6 Free", 900),
    "fa-regular-400": ("Font Awesome 6 Free", 400),
    "fa-brands-400": ("Font Awesome 6 Brands", 400),
}
ICON_RULE = re.compile(r'((?:\.fa-[\w-]+:before,?)+)\{content:"\\([0-9a-f]{4})"\}')
ESCAPED = re.compile(r'"\\(f[0-9a-f]{3})"')
PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
FA_CLASS = re.compile(r"\bfa-[a-z0-9-]+")


def used_icons(outdir: Path) -> set[int]:
    """Code points of every icon the site can show: the theme's own (set in its CSS
    outside FontAwesome's class table) and those of the ``fa-*`` classes in its pages
    and scripts."""
    styles = outdir / "_static" / "styles" / "pydata-sphinx-theme.css"
    css = styles.read_text(encoding="utf-8")
    table = {name: int(code, 16) for names, code in ICON_RULE.findall(css)
             for name in re.findall(r"fa-[\w-]+", names)}
    points = set()
    for path in (outdir / "_static").rglob("*.css"):
        text = ICON_RULE.sub("", path.read_text(encoding="utf-8", errors="replace"))
        points |= {ord(c) for c in PRIVATE_USE.findall(text)}
        points |= {int(c, 16) for c in ESCAPED.findall(text)}
    for path in [*outdir.rglob("*.html"), *(outdir / "_static").rglob("*.js")]:
        if "icons" in path.parts or path.name == "fontawesome.js":
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        points |= {table[name] for name in FA_CLASS.findall(text) if name in table}
    return points


def subset_icon_fonts(app: Sphinx, outdir: Path) -> None:
    from fontTools import subset

    source = outdir / "_static" / "vendor" / "fontawesome" / "webfonts"
    if not source.is_dir():
        return
    points = sorted(used_icons(outdir))
    target = outdir / ICON_DIR
    target.mkdir(parents=True, exist_ok=True)
    faces = []
    for name, (family, weight) in FA_FONTS.items():
        ttf = source / f"{name}.ttf"
        if not ttf.exists():
            continue
        options = subset.Options()
        options.flavor = "woff"  # zlib; WOFF2 needs brotli, which the book does not pin
        options.layout_features = []
        font = subset.load_font(str(ttf), options)
        cmap = font.getBestCmap()
        keep = [p for p in points if p in cmap]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=keep)
        subsetter.subset(font)
        out = target / f"{name}.woff"
        subset.save_font(font, str(out), options)
        faces.append(f'@font-face{{font-display:block;font-family:"{family}";'
                     f'font-style:normal;font-weight:{weight};'
                     f'src:url({name}.woff) format("woff")}}')
    (target / "icons.css").write_text(
        "/* FontAwesome's faces with only the icons this site uses (page_weight.py) */\n"
        + "\n".join(faces) + "\n", encoding="utf-8")


# --- the theme's stylesheet, cut to the rules that can match ------------------------------

THEME_CSS = "_static/styles/pydata-sphinx-theme.css"
FUNCTIONAL = re.compile(r":[\w-]+\((?:[^()]|\([^()]*\))*\)")
CLASS_OR_ID = re.compile(r"[.#](-?[_a-zA-Z][\w-]*)")
WORD = re.compile(r"[\w-]+")
COMMENT = re.compile(r"/\*.*?\*/", re.S)
GROUPS = ("@media", "@supports", "@layer", "@container")


def _blocks(css: str):
    """(prelude, body) of each top-level statement of a stylesheet; body is None for a
    statement without a block (``@import ...;``)."""
    i, n = 0, len(css)
    while i < n:
        j = css.find("{", i)
        if j < 0:
            if css[i:].strip():
                yield css[i:].strip(), None
            return
        semi = css.find(";", i, j)
        if semi >= 0 and css[i:semi].lstrip().startswith("@"):
            yield css[i:semi + 1].strip(), None
            i = semi + 1
            continue
        depth, k = 1, j + 1
        while depth and k < n:
            if css[k] == "{":
                depth += 1
            elif css[k] == "}":
                depth -= 1
            elif css[k] in "\"'":
                k = css.index(css[k], k + 1)
            k += 1
        yield css[i:j].strip(), css[j + 1:k - 1]
        i = k


def _selectors(prelude: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in prelude:
        depth += ch in "([" and 1 or ch in ")]" and -1 or 0
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [p.strip() for p in parts + [current] if p.strip()]


def trim_css(css: str, names: set[str]) -> str:
    """The rules of ``css`` that can match, given every class and id name in use."""
    out = []
    for prelude, body in _blocks(COMMENT.sub("", css)):
        if body is None:
            out.append(prelude)
        elif prelude.startswith(GROUPS):
            inner = trim_css(body, names)
            if inner:
                out.append(f"{prelude}{{{inner}}}")
        elif prelude.startswith("@"):
            out.append(f"{prelude}{{{body}}}")
        else:
            keep = [s for s in _selectors(prelude) if "\\" in s or all(
                name in names for name in CLASS_OR_ID.findall(FUNCTIONAL.sub("", s)))]
            if keep:
                out.append(f"{','.join(keep)}{{{body}}}")
    return "".join(out)


def trim_theme_css(outdir: Path) -> None:
    path = outdir / THEME_CSS
    full = path.with_name(path.stem + ".full.css")
    if not path.exists():
        return
    source = path.read_text(encoding="utf-8")
    if not full.exists() or (not source.startswith("/* trimmed */")
                             and full.read_text(encoding="utf-8") != source):
        full.write_text(source, encoding="utf-8")  # the theme's, as Sphinx copied it
    names = set()
    for file in [*outdir.rglob("*.html"), *outdir.rglob("*.js")]:
        if file.name != "fontawesome.js":
            names |= set(WORD.findall(file.read_text(encoding="utf-8", errors="replace")))
    trimmed = "/* trimmed */" + trim_css(full.read_text(encoding="utf-8"), names)
    if trimmed != source:
        path.write_text(trimmed, encoding="utf-8")


# --- scripts no page uses ----------------------------------------------------------------

def drop_unused_scripts(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    subset_icon_fonts(app, outdir)
    trim_theme_css(outdir)
    for page in outdir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        new = UNUSED_SCRIPTS.sub("", text)
        if page != outdir / "search.html":
            new = SEARCH_SCRIPTS.sub("", new)
        if new != text:
            page.write_text(new, encoding="utf-8")


def setup(app: Sphinx) -> dict:
    # after the theme's stylesheet, so its faces replace FontAwesome's whole ones
    app.add_css_file("icons/icons.css", priority=900)
    app.connect("doctree-resolved", light_images)
    # after the handlers that add a page's scripts (site_assets: live-code options)
    app.connect("html-page-context", update_page, priority=900)
    app.connect("build-finished", drop_unused_scripts)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
