import pytest

import dlbook.glue as glue_module


def test_glue_without_myst_nb_displays_only_when_asked(monkeypatch):
    shown = []
    monkeypatch.setattr(glue_module, "_myst_glue", None)
    monkeypatch.setattr("IPython.display.display", shown.append)
    glue_module.glue("x", 3, display=False)
    glue_module.glue("y", 4)
    assert shown == [4]


def test_glue_with_myst_nb_forwards_everything(monkeypatch):
    calls = []
    monkeypatch.setattr(glue_module, "_myst_glue",
                        lambda name, value, display: calls.append((name, value, display)))
    glue_module.glue("acc", 0.97, display=False)
    assert calls == [("acc", 0.97, False)]


def test_glue_needs_a_name():
    with pytest.raises(ValueError, match="name"):
        glue_module.glue("", 1)
