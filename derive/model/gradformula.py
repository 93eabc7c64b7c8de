"""grad(L, w) in a formula: the derivative of the quantity L with respect to w at every point, written out as a
formula of the exercise's own quantities when the file loads, so that everything downstream (a Hessian-vector
product sum(grad(L, w) * v), a gradient penalty grad(D, x)^2, double backprop) differentiates it again like any
formula, exactly, and the torch check compares it with torch.autograd.grad(create_graph=True).

The derivative is forward mode over the formulas: dn/dw = sum over the quantities p that n uses of
∂n/∂p · dp/dw, each ∂n/∂p the registry's rule (SymPy's diff through fdiff), written with the exercise's names.
A kink's rule (relu's 1 where z > 0, 0 where z < 0) becomes where(z > 0, 1, 0): the comparison keeps the kink
(a tie is found and said, with its one-sided values), where a Piecewise would have no derivative of its own.
Scalar exercises only, for now: a tensor's gradient formula would need the vector-Jacobian products written as
formulas, which the registry does not have."""
from __future__ import annotations

import sympy as sp

from ..core.errors import DeriveError
from ..core.i18n import Msg
from ..core.ops import COMPARISON_CLASSES, OPS, op_of, where
from ..core.parser import symbol

RELATION_NAMES = {sp.StrictGreaterThan: "gt", sp.GreaterThan: "ge", sp.StrictLessThan: "lt", sp.LessThan: "le"}


def expand(formulas: dict, values: dict, source) -> dict:
    """The formulas with every grad(L, w) written out (the others as they are); `formulas` in dependency order."""
    out = {}
    for name, f in formulas.items():
        heads = [e for e in sp.preorder_traversal(f.expr) if op_of(e) is OPS["grad"]] if "grad" in f.text else []
        if heads:
            f = _written_out(f, heads, out, values, source)
        out[name] = f
    return out


def _written_out(f, heads, formulas, values, source):
    spot = source.spot("formulas", f.name)
    if f.shape or any(g.shape for g in formulas.values()) or any(getattr(v, "shape", ()) for v in values.values()):
        raise DeriveError(Msg("err_grad_tensor", name=f"{f.name!r}"), spot, Msg("err_grad_tensor_fix"))
    replaced = {}
    for head in heads:
        of, wrt = head.args
        if not of.is_Symbol or of.name not in formulas or not wrt.is_Symbol:
            raise DeriveError(Msg("err_grad_args", name=f"{f.name!r}"), spot, Msg("err_grad_args_fix"))
        replaced[head] = _total(of.name, wrt.name, formulas, {})
    expr = f.expr.xreplace(replaced)
    column = min(f.uses.values(), default=1)
    uses = {s.name: f.uses.get(s.name, column) for s in sorted(expr.free_symbols, key=lambda s: s.name)}
    return type(f)(f.name, f.text, expr, uses, f.line, f.shape, f.known)


def _total(n: str, w: str, formulas: dict, memo: dict) -> sp.Expr:
    """dn/dw through the formulas: 1 for w itself, 0 for any other input, the chain rule for a formula."""
    if n == w:
        return sp.Integer(1)
    if n not in formulas:
        return sp.Integer(0)
    if n not in memo:
        f = formulas[n]
        terms = []
        for p in f.uses:
            inner = _total(p, w, formulas, memo)
            if inner != 0:
                terms.append(_kinks_as_where(sp.diff(f.expr, symbol(p))) * inner)
        memo[n] = sp.Add(*terms)
    return memo[n]


def _kinks_as_where(expr: sp.Expr) -> sp.Expr:
    """Piecewise((a, u > v), (b, u < v)) as where(u > v, a, b): a registry op, with its kink at u = v."""
    def rewrite(e):
        if not isinstance(e, sp.Piecewise):
            return e
        (a, c), *rest = e.args
        b = rewrite(sp.Piecewise(*rest)) if len(rest) > 1 else rest[0][0] if rest else sp.nan
        if not isinstance(c, tuple(RELATION_NAMES)):
            return e
        return where(COMPARISON_CLASSES[RELATION_NAMES[type(c)]](c.lhs, c.rhs), a, b)
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), rewrite)
