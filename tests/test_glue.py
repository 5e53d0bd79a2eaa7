import pytest
from IPython.core.formatters import format_display_data

import dlbook.glue as glue_module


@pytest.fixture
def shown(monkeypatch):
    calls = []
    monkeypatch.setattr("IPython.display.display",
                        lambda obj, raw, metadata: calls.append((obj, metadata)))
    return calls


def test_glue_without_display_hides_the_value_behind_the_record_prefix(shown):
    glue_module.glue("acc", 0.97, display=False)
    (bundle, metadata), = shown
    assert bundle == {"application/papermill.record/text/plain": "0.97"}
    assert metadata["scrapbook"] == {"name": "acc",
                                     "mime_prefix": "application/papermill.record/"}


def test_glue_with_display_shows_the_plain_value(shown):
    glue_module.glue("n", 3)
    (bundle, metadata), = shown
    assert bundle == {"text/plain": "3"}
    assert metadata["scrapbook"]["mime_prefix"] == ""


def test_glue_matches_myst_nb_output(shown, monkeypatch):
    myst_glue = pytest.importorskip("myst_nb").glue
    glue_module.glue("x", [1, 2], display=False)
    import myst_nb.ext.glue as ext

    theirs = []
    monkeypatch.setattr(ext, "ipy_display",
                        lambda obj, raw, metadata: theirs.append((obj, metadata)))
    myst_glue("x", [1, 2], display=False)
    assert shown == theirs
    assert format_display_data([1, 2])[0]["text/plain"] == "[1, 2]"


def test_glue_needs_a_name():
    with pytest.raises(ValueError, match="name"):
        glue_module.glue("", 1)


def test_glue_turns_numpy_and_torch_scalars_into_numbers(shown):
    import numpy as np
    import torch

    glue_module.glue("a", np.float64(0.25), display=False)
    glue_module.glue("b", torch.tensor(3), display=False)
    glue_module.glue("c", np.array([1.5]), display=False)
    texts = [bundle["application/papermill.record/text/plain"] for bundle, _ in shown]
    assert texts == ["0.25", "3", "array([1.5])"]
