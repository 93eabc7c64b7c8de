"""derive: exact, step-by-step derivatives of exercises, checked against torch.

From Python: `derive.Exercise` (see derive.apps.api); it is imported on first use, so the command line stays quick."""

__version__ = "0.1.0"


def __getattr__(name: str):
    if name in ("Exercise", "Document"):
        from .apps import api

        return getattr(api, name)
    if name == "DeriveError":
        from .core.errors import DeriveError

        return DeriveError
    raise AttributeError(f"module 'derive' has no attribute {name!r}")
