"""The Python API's steps, one method each, for scalar and tensor exercises and a training step."""
from __future__ import annotations


def test_every_step_is_a_method_for_scalar_and_tensor_exercises_and_a_training_step():
    import derive

    tensor = derive.Exercise.load("ejercicio5")
    assert "\\overline" in tensor.local_derivatives().markdown          # its rules are the backward pass's
    trained = derive.Exercise.load("ejercicio6")
    assert "W_{1} - \\eta" in trained.training().markdown
