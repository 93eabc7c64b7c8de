"""The steps of a worked solution, each a section of the report: the API shows one at a time (`Exercise.forward()`,
…) and the generated notebook has a cell per step."""
from __future__ import annotations

STEPS = {          # step -> the i18n keys its section heading may have (scalar, tensor), and its JSON parts
    "statement": (("g_statement",), ("target", "wrt")),
    "forward": (("g_forward",), ("nodes",)),
    "graph": (("g_graph",), ("nodes",)),
    "local_derivatives": (("g_local", "t_backward"), ()),     # a tensor's local rules are its backward pass
    "backward": (("g_backward", "t_backward"), ("adjoints",)),
    "gradients": (("g_result", "t_result"), ("gradients",)),
    "checks": (("g_checks", "t_checks"), ("gradients", "values", "finite_differences")),
    "diagnostics": (("g_diagnostics", "t_diagnostics"), ("warnings",)),
    "training": (("train", "train_many"), ("training",)),
}
