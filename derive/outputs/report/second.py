"""Second and higher derivatives in the walkthrough: how they follow from the graph, the Hessian (or the
n-th derivative) exact and to 30 digits, and torch's numbers beside them."""
from __future__ import annotations

import numpy as np

from ...core.budget import known
from ...model.derivation import Derivation
from .blocks import broken, element_tex
from .doc import Heading, Math, Para, Report, rich
from ...core.i18n import t
from .mathtex import exact_eq, name, short
from ...core.latex import matrix

EXACT_ENTRY_LIMIT = 300       # characters of LaTeX per exact entry shown; longer ones keep their decimals only


def section(r: Report, d: Derivation, checks, lang: str):
    h = d.hessian
    if h is None:
        return
    target = name(d.target)
    if h.order > 2:
        x = name(h.names[0])
        r.add(Heading(3, [t(lang, "higher", n=h.order)]),
              Para(rich(t(lang, "higher_text", n=h.order, m=h.order - 1, target=f"${target}$", x=f"${x}$"))),
              Math(rf"\frac{{d^{{{h.order}}} {target}}}{{d {x}^{{{h.order}}}}} = {exact_eq(h.exact, h.value, lang)}"))
    else:
        r.add(Heading(3, [t(lang, "hessian")]),
              Para(rich(t(lang, "hessian_text", target=f"${target}$"))))
        exact = h.exact if known(h.exact) else [[None] * len(h.names)] * len(h.names)
        cells = np.array([[element_tex(e, v, lang) for e, v in zip(er, vr)] for er, vr in zip(exact, h.value)], dtype=object)
        labels = ", ".join(name(n) for n in h.names)
        r.add(Math(rf"H = \left(\frac{{\partial^2 {target}}}{{\partial u \, \partial v}}\right)_{{u, v \,\in\, {labels}}}"
                   rf" \approx {matrix(cells, str)}"))
        _exact_entries(r, d, lang)
    if checks is not None and checks.hessian:
        worst = "; ".join(t(lang, f"hm_{method}", n=h.order) + f": ${short(error, 2)}$"
                          for method, error in checks.hessian.items())
        r.add(Para(rich(t(lang, "hessian_checks", errors=worst))))


def _exact_entries(r: Report, d: Derivation, lang: str):
    h = d.hessian
    if not known(h.exact):
        r.add(Para(rich(t(lang, "hessian_no_exact"))))
        return

    rows = []
    for i, u in enumerate(h.names):
        for j, v in enumerate(h.names[i:], i):
            text = exact_eq(h.exact[i][j], h.value[i][j], lang)
            if len(text) > EXACT_ENTRY_LIMIT:
                text = exact_eq(None, h.value[i][j], lang)
            below = rf"\partial {name(u)}^{{2}}" if u == v else rf"\partial {name(u)} \, \partial {name(v)}"
            lhs = rf"\frac{{\partial^2 {name(d.target)}}}{{{below}}} "
            rows += [lhs + "&" + text] if text.startswith(r"\approx") else broken(f"{lhs}&= {text}")
    r.add(Para(rich(t(lang, "hessian_exact"))),
          Math(r"\begin{aligned} " + r" \\ ".join(rows) + r" \end{aligned}", wide=True))
