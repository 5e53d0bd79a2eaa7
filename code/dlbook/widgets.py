"""The book's browser widgets, written from Python so that they use the chapter's own
numbers. On the book's website a widget's HTML comes alive (the scripts are in the
repository's ``widgets/`` folder); in Jupyter or Colab it shows one line saying so.

- :func:`descent_widget`: gradient descent on a :class:`dlbook.descent.LineFit` loss
  surface with a learning-rate slider, taught in "Training neural networks".
- The playground of "Activations and hyperparameters" is the ``{playground}`` directive
  of the book's Sphinx extension ``_ext/widgets.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

from dlbook.descent import LineFit

FALLBACK = ("This interactive widget runs in the browser on the book's website; the "
            "figures of this section show what it computes.")


@dataclass(frozen=True)
class Widget:
    """HTML that Jupyter shows through ``_repr_html_``."""

    html: str

    def _repr_html_(self) -> str:
        return self.html


def _numbers(values) -> str:
    return ",".join(repr(float(v)) for v in np.ravel(values))


def descent_widget(surface: LineFit, start: Sequence[float], *, lr: float,
                   num_steps: int, levels: Sequence[float], xlim: Sequence[float],
                   ylim: Sequence[float], lr_range: Sequence[float] = (0.01, 0.6),
                   lr_step: float = 0.01) -> Widget:
    """A learning-rate slider over gradient descent on ``surface``.

    The browser walks ``θ ← θ - η H (θ - θ*)``, which is gradient descent on the
    quadratic ``L(θ) = L* + ½ (θ - θ*)ᵀ H (θ - θ*)`` that ``surface`` is, and draws
    the path over the contour lines ``levels`` of ``L``.

    Args:
        surface: the loss; its Hessian ``H``, minimum ``θ*`` and ``L*`` go to the page.
        start: the first ``(w, b)``.
        lr: the slider's first value.
        num_steps: steps drawn.
        levels: the loss values of the contour lines.
        xlim, ylim: the plotted ranges of ``w`` and ``b``.
        lr_range, lr_step: the slider's ends and step.
    """
    low, high = (float(v) for v in lr_range)
    if not 0 < low < high:
        raise ValueError(f"lr_range must be (low, high) with 0 < low < high, got "
                         f"{tuple(lr_range)}")
    if not low <= lr <= high:
        raise ValueError(f"lr must be inside lr_range {tuple(lr_range)}, got {lr}")
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 1:
        raise ValueError(f"num_steps must be a positive int, got {num_steps!r}")
    theta_star = surface.minimum()
    attributes = {
        "class": "dl-descent",
        "data-hessian": _numbers(surface.hessian()),
        "data-minimum": _numbers(theta_star),
        "data-min-loss": _numbers(surface.loss(*theta_star)),
        "data-start": _numbers(start),
        "data-lr": _numbers(lr),
        "data-lr-range": _numbers((low, high)),
        "data-lr-step": _numbers(lr_step),
        "data-steps": str(num_steps),
        "data-levels": _numbers(levels),
        "data-xlim": _numbers(xlim),
        "data-ylim": _numbers(ylim),
    }
    html = " ".join(f'{k}="{escape(v, quote=True)}"' for k, v in attributes.items())
    return Widget(f'<div {html}><p class="dl-widget-fallback">{FALLBACK}</p></div>')
