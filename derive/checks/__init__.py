"""Torch beside derive's numbers: autograd and finite differences, float diagnostics, the matmul benchmark, the
linear-system solvers that check their own gradient."""
