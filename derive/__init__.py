"""derive: exact, step-by-step derivatives of exercises, checked against torch."""

__version__ = "0.1.0"
