"""Exercises as data: reading a file's values and tables (every error located), the gradient, linear-system and
benchmark exercises, and the derivation's data classes that the passes fill in. Loading a file never runs a pass."""
