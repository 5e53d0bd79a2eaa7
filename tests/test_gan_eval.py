"""The judge of generated images (``dlbook.gan_eval``): a classifier's confidence and
class shares, and the variety of images within a class."""

import pytest
import torch

from dlbook import gan_eval


def test_judge_confidence_and_class_shares():
    probs = torch.tensor([[0.95, 0.05, 0.0],
                          [0.10, 0.80, 0.10],
                          [0.00, 0.05, 0.95],
                          [0.92, 0.04, 0.04]])
    verdict = gan_eval.judge(probs, threshold=0.9)
    assert verdict.predicted.tolist() == [0, 1, 2, 0]
    assert verdict.share_confident == pytest.approx(0.75)
    assert verdict.class_shares.tolist() == pytest.approx([0.5, 0.25, 0.25])
    assert verdict.class_shares.sum().item() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="threshold"):
        gan_eval.judge(probs, threshold=0)
    with pytest.raises(ValueError, match="probs must be a non-empty"):
        gan_eval.judge(torch.zeros(0, 3))


def test_class_spread_sees_collapse_within_a_class():
    torch.manual_seed(0)
    varied = torch.rand(20, 1, 4, 4)
    labels = torch.arange(20) % 2
    collapsed = varied[labels == 0][:1].repeat(20, 1, 1, 1)  # one image, twenty times
    assert gan_eval.class_spread(collapsed, labels) == 0.0
    assert gan_eval.class_spread(varied, labels) > 0.5
    pair = torch.tensor([[0.0, 0.0], [3.0, 4.0]])
    # distances 0, 5, 5, 0 between the two images of one class: mean 2.5
    assert gan_eval.class_spread(pair, torch.tensor([1, 1])) == pytest.approx(2.5)
    with pytest.raises(ValueError, match="single image"):
        gan_eval.class_spread(pair, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"labels must have shape \(2,\)"):
        gan_eval.class_spread(pair, torch.tensor([0, 1, 1]))


@pytest.mark.parametrize("probs", [
    torch.full((4, 3), 0.9),  # rows summing to 2.7
    torch.tensor([[2.0, -1.0, 0.0]]),  # logits whose row happens to sum to 1
    torch.tensor([[0.5, 0.4, 0.0]]),  # a row summing to 0.9
    torch.tensor([[float("nan"), 0.5, 0.5]]),
])
def test_judge_rejects_rows_that_are_not_probabilities(probs):
    with pytest.raises(ValueError, match=r"probs must be class probabilities, entries "
                                         r"in \[0, 1\] with each row summing to 1"):
        gan_eval.judge(probs)


def test_judge_takes_softmax_rows_of_any_dtype():
    logits = 5 * torch.randn(1000, 10, generator=torch.Generator().manual_seed(0))
    probs = logits.softmax(dim=1)  # float32: rows sum to 1 up to rounding
    verdict = gan_eval.judge(probs)
    assert torch.equal(verdict.predicted, logits.argmax(dim=1))
    assert torch.equal(gan_eval.judge(probs.half()).predicted, verdict.predicted)
    one_hot = torch.nn.functional.one_hot(torch.tensor([2, 0, 2]), 3)  # int64
    assert gan_eval.judge(one_hot).share_confident == 1.0


def test_judge_and_class_spread_name_what_is_not_a_tensor():
    with pytest.raises(TypeError, match="probs must be a torch.Tensor"):
        gan_eval.judge([[0.5, 0.5]])
    with pytest.raises(ValueError, match=r"probs must have shape \(n, num_classes\)"):
        gan_eval.judge(torch.full((3,), 1 / 3))
    with pytest.raises(TypeError, match="threshold must be a number"):
        gan_eval.judge(torch.eye(3), threshold="0.9")
    images = torch.rand(4, 1, 2, 2)
    with pytest.raises(TypeError, match="labels must be a torch.Tensor"):
        gan_eval.class_spread(images, [0, 0, 1, 1])
    images[0, 0, 0, 0] = float("nan")  # a diverged generator: no distance is right
    with pytest.raises(ValueError, match="images contains 1 NaN"):
        gan_eval.class_spread(images, torch.tensor([0, 0, 1, 1]))
