import pytest
import torch

from dlbook.utils import get_device, get_profile, set_seed


def test_set_seed_makes_torch_repeatable():
    set_seed(3)
    a = torch.randn(5)
    set_seed(3)
    assert torch.equal(a, torch.randn(5))


def test_set_seed_returns_a_generator_seeded_the_same_way():
    g1, g2 = set_seed(7), set_seed(7)
    assert torch.equal(torch.rand(4, generator=g1), torch.rand(4, generator=g2))


@pytest.mark.parametrize("bad, error", [(-1, ValueError), (1.5, TypeError),
                                        ("0", TypeError), (True, TypeError)])
def test_set_seed_rejects_bad_seeds(bad, error):
    with pytest.raises(error, match="seed"):
        set_seed(bad)


def test_get_device_defaults_to_what_is_available():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert get_device().type == expected
    assert get_device("cpu") == torch.device("cpu")


@pytest.mark.parametrize("bad", ["gpu", "tpu", "cuda:x"])
def test_get_device_rejects_unknown_names(bad):
    with pytest.raises(ValueError, match="device"):
        get_device(bad)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error without CUDA")
def test_get_device_says_when_cuda_is_missing():
    with pytest.raises(ValueError, match="CUDA is not available"):
        get_device("cuda")


def test_get_device_rejects_other_types():
    with pytest.raises(TypeError, match="device"):
        get_device(0)


def test_profile_follows_the_environment(monkeypatch):
    monkeypatch.setenv("DLBOOK_PROFILE", "full")
    assert get_profile() == "full"
    monkeypatch.setenv("DLBOOK_PROFILE", "Quick")
    assert get_profile() == "quick"
    monkeypatch.setenv("DLBOOK_PROFILE", "huge")
    with pytest.raises(ValueError, match="DLBOOK_PROFILE"):
        get_profile()
    monkeypatch.delenv("DLBOOK_PROFILE")
    assert get_profile() == ("full" if torch.cuda.is_available() else "quick")
