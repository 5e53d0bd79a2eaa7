import numpy as np
import pytest
import torch

from dlbook.exercises.lab_mnist import check_most_confused, check_parameter_count


def test_parameter_count_accepts_the_right_answers():
    assert check_parameter_count(7850, model="perceptron", input_shape=(1, 28, 28))
    assert check_parameter_count(15910, model="mlp", input_shape=(1, 28, 28))
    assert check_parameter_count(235146, model="mlp", input_shape=(1, 28, 28),
                                 num_hiddens=(256, 128))
    assert check_parameter_count(1766, model="cnn", input_shape=(1, 28, 28))
    assert check_parameter_count(650.0, model="perceptron", input_shape=(1, 8, 8))


def test_parameter_count_explains_a_forgotten_bias():
    fb = check_parameter_count(7840, model="perceptron", input_shape=(1, 28, 28))
    assert not fb
    assert "weights only" in str(fb) and "bias" in str(fb)


def test_parameter_count_says_too_few_or_too_many():
    assert "Too few" in str(check_parameter_count(10, model="mlp"))
    assert "Too many" in str(check_parameter_count(10**9, model="mlp"))
    assert "perceptron's weight count" in str(
        check_parameter_count(7840, model="mlp", input_shape=(1, 28, 28)))


def test_parameter_count_rejects_non_integers_and_unknown_models():
    assert "whole number" in str(check_parameter_count("many"))
    assert "whole number" in str(check_parameter_count(12.5))
    with pytest.raises(ValueError, match="model must be"):
        check_parameter_count(1, model="resnet")


def test_parameter_count_of_the_cnn_explains_shared_filters():
    # counting the first convolution as fully connected: 784 x 2 weights
    fb = check_parameter_count(1766 + 784 * 2, model="cnn", input_shape=(1, 28, 28))
    assert not fb and "shared by every position" in str(fb)


CONFUSION = np.array([[9, 0, 1], [3, 8, 0], [0, 1, 7]])


def test_most_confused_finds_the_largest_off_diagonal_cell():
    assert check_most_confused((1, 0), CONFUSION)
    fb = check_most_confused((0, 1), CONFUSION)
    assert not fb and "swapped" in str(fb)
    assert "diagonal" in str(check_most_confused((2, 2), CONFUSION))
    assert "0 to 2" in str(check_most_confused((5, 1), CONFUSION))
    assert "pair" in str(check_most_confused(3, CONFUSION))
    with pytest.raises(ValueError, match="square"):
        check_most_confused((0, 1), np.zeros((2, 3)))


def test_most_confused_accepts_any_of_tied_pairs():
    tied = np.array([[9, 1, 0], [0, 8, 1], [1, 0, 7]])
    for pair in [(0, 1), (1, 2), (2, 0)]:
        fb = check_most_confused(pair, tied)
        assert fb and "1 test image of" in str(fb) and "2 other pairs are" in str(fb)
    fb = check_most_confused((1, 0), CONFUSION)
    assert "3 test images" in str(fb) and "other pair" not in str(fb)


@pytest.mark.parametrize("answer", [torch.tensor(7850), np.int64(7850), np.array(7850),
                                    np.float32(7850), torch.tensor([7850]), [7850]])
def test_parameter_count_takes_a_count_in_any_numeric_form(answer):
    assert check_parameter_count(answer, model="perceptron", input_shape=(1, 28, 28))


@pytest.mark.parametrize("answer", ["10", (1.7, 0.2), (True, False), "1,0", (1, 0, 0)])
def test_most_confused_rejects_a_malformed_pair(answer):
    fb = check_most_confused(answer, CONFUSION)
    assert not fb and "a pair of classes (true, predicted)" in str(fb)


def test_most_confused_takes_a_pair_in_any_form():
    for pair in ([1, 0], np.array([1, 0]), torch.tensor([1, 0]), (np.int64(1), 0.0)):
        assert check_most_confused(pair, CONFUSION), pair
    assert check_most_confused(..., CONFUSION).pending
