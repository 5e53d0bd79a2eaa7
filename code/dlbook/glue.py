"""``glue``: hand a value computed in a chapter to its prose.

The book's build (MyST-NB) reads every glued value from the executed notebook, so that
``{glue:text}`name``` in the text shows it. This is the same protocol as
``myst_nb.glue``, written with IPython alone: the chapters then run in any kernel (Colab
has no MyST-NB), and a chapter does not pay for importing the book-building stack.
"""

from __future__ import annotations

# The prefix MyST-NB (and scrapbook before it) looks for on values glued but not shown.
GLUE_PREFIX = "application/papermill.record/"


def _plain(value):
    """NumPy and torch scalars as Python numbers: their reprs (``np.float64(0.5)``)
    are not numbers that ``{glue:text}`name:.2f``` can format."""
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", None) == 0:
        return item()
    return value


def glue(name: str, value, display: bool = True) -> None:
    """Record ``value`` under ``name`` for the page's text; show it if ``display``.

    Args:
        name: a key unique across the book, e.g. ``"lab_test_cnn"``.
        value: anything IPython can display (a number, a string, a figure).
        display: also show the value as the cell's output.
    """
    from IPython.core.formatters import format_display_data
    from IPython.display import display as ipy_display

    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    value = _plain(value)
    bundle, metadata = format_display_data(value)
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    ipy_display({prefix + mime: data for mime, data in bundle.items()}, raw=True,
                metadata=metadata)
