"""``glue``: hand a value computed in a chapter to its prose.

When the book is built, MyST-NB stores the value so that ``{glue:text}`name``` in the
text shows it. In a live kernel without MyST-NB (Colab, for one) the value is simply
displayed when asked for, so the chapters run everywhere unchanged.
"""

from __future__ import annotations

try:  # the book's build environment
    from myst_nb import glue as _myst_glue
except ImportError:  # Colab, or any kernel without the book-building stack
    _myst_glue = None


def glue(name: str, value, display: bool = True) -> None:
    """Record ``value`` under ``name`` for the page's text; show it if ``display``."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    if _myst_glue is not None:
        _myst_glue(name, value, display=display)
    elif display:
        from IPython.display import display as _show

        _show(value)
