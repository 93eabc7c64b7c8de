"""The Python API's steps, one method each, for scalar and tensor exercises and a training step."""
from __future__ import annotations


def test_every_step_is_a_method_for_scalar_and_tensor_exercises_and_a_training_step():
    import derive

    tensor = derive.Exercise.load("ejercicio5")
    assert "\\overline" in tensor.local_derivatives().markdown          # its rules are the backward pass's
    trained = derive.Exercise.load("ejercicio6")
    assert "W_{1} - \\eta" in trained.training().markdown


def test_an_api_error_speaks_the_exercises_language_at_the_argument():
    import pytest

    import derive

    with pytest.raises(derive.DeriveError) as e:
        derive.Exercise(values={"a": 2}, formulas={"y": "a + log(b)"}, lang="es")
    assert str(e.value).startswith("formulas['y']:9: error: en la fórmula 'y': nombre no definido 'b'")
    assert e.value.__traceback__ is None or len(list(_frames(e.value.__traceback__))) <= 2
    ex = derive.Exercise(values={"a": -1}, formulas={"y": "log(a)"}, lang="es")
    with pytest.raises(derive.DeriveError) as e:
        ex.gradients()
    assert str(e.value).startswith("formulas['y']:1: error: en la fórmula 'y': logaritmo de un número no positivo")


def _frames(tb):
    while tb is not None:
        yield tb
        tb = tb.tb_next
