"""The report's figures with matplotlib: the graph as an arrow diagram, error against step, convergence,
benchmark throughput. Each writes `path.<format>` for the formats asked (png, svg, pdf)."""
from __future__ import annotations

import math

from .diagram import edge_label, node_label
from ...core.i18n import t
from ...checks.numeric import STEPS, TOL, relative_error
from ...passes.graph import stopped
from .layout import label_key, layout

GRAPH_DETAIL_LIMIT = 40       # nodes beyond which the graph figure is summarised by layer
DPI = 150


def shared(draw, key):
    """Mark a figure whose drawing has no words in it, so every language's report can share one file."""
    draw.shared = key
    return draw


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.hashsalt": "derive", "font.size": 10, "axes.spines.top": False,
                         "axes.spines.right": False})
    return plt


def save(fig, path: str, formats, tight: bool = True):
    """Write each format with no timestamps or version strings, so files are reproducible."""
    plt = pyplot()
    for fmt in formats:
        meta = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None, "Producer": None}}
        fig.savefig(f"{path}.{fmt}", format=fmt, dpi=DPI, bbox_inches="tight" if tight else None,
                    metadata=meta.get(fmt))
    plt.close(fig)


NODE_FONT = 9
LABEL_FONT = 8
PAD = (0.10, 0.06)          # inches of padding around a node's text (x, y)
LABEL_PAD = (0.04, 0.02)
STYLE = {"formula": ("#e8f0fe", "#3367d6", "-"), "input": ("#e6f4ea", "#188038", "-"),
         "fixed": ("#f1f3f4", "#80868b", "--")}     # fill, edge, line style: fixed = an input not differentiated


def _measure(texts: dict, fontsize: float, pad) -> dict[str, tuple[float, float]]:
    """Each text's size in inches as matplotlib draws it, plus padding."""
    plt = pyplot()
    fig = plt.figure(figsize=(4, 4), dpi=DPI)
    renderer = fig.canvas.get_renderer()
    out = {}
    for key, text in texts.items():
        box = fig.text(0, 0, text, fontsize=fontsize).get_window_extent(renderer)
        out[key] = (box.width / DPI + 2 * pad[0], box.height / DPI + 2 * pad[1])
    plt.close(fig)
    return out


def graph_layout(d, engine: str | None = None, blank: bool = False):
    """The graph's boxes, labels and arrows (report.layout), with the texts that go in them (blank: names
    and shapes only, for a student's sheet)."""
    texts = {n: _name_only(d, n) if blank else node_label(d, n) for n in d.order}
    edges = [(p, c) for p, c in d.graph.edges]
    edge_texts = {} if blank else {(p, c): edge_label(d, p, c) for p, c in edges}
    edge_texts = {k: v for k, v in edge_texts.items() if v}
    sizes = _measure(texts, NODE_FONT, PAD)
    label_sizes = _measure({label_key(*k): v for k, v in edge_texts.items()}, LABEL_FONT, LABEL_PAD)
    lay = layout(sizes, edges, {n: d.nodes[n].layer for n in d.order},
                 {k: label_sizes[label_key(*k)] for k in edge_texts}, engine)
    return lay, texts, edge_texts


def _name_only(d, n: str) -> str:
    shape = d.nodes[n].shape
    return f"{n} ({'×'.join(map(str, shape))})" if shape else n


def _kind(d, n: str) -> str:
    if d.nodes[n].kind == "formula":
        return "formula"
    return "input" if n in d.relevant or n in d.exercise.wrt else "fixed"


def graph_figure(d, path: str, formats=("png",), engine: str | None = None, blank: bool = False):
    """Inputs on the left, the target on the right, each node with its value and each arrow with its local
    derivative (tensors: what the adjoint is multiplied by); inputs not differentiated are grey and dashed.
    Laid out by Graphviz where installed (report.layout); past GRAPH_DETAIL_LIMIT nodes, one box per layer.
    Returns the layout, whose geometry the tests measure."""
    if d.graph.number_of_nodes() > GRAPH_DETAIL_LIMIT:
        return _graph_summary(d, path, formats)
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    plt = pyplot()
    lay, texts, edge_texts = graph_layout(d, engine, blank)
    fig = plt.figure(figsize=(lay.width, lay.height), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, lay.width)
    ax.set_ylim(0, lay.height)
    ax.set_axis_off()
    for arrow in lay.arrows:
        points = trimmed(arrow.points, lay.boxes[arrow.source], lay.boxes[arrow.target])
        xs, ys = zip(*points)
        style = "--" if stopped(d.exercise, arrow.source, arrow.target) else "-"     # through detach
        ax.plot(xs[:-1], ys[:-1], color="#5f6368", lw=1.0, ls=style, zorder=1, solid_capstyle="butt")
        ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>", mutation_scale=9, color="#5f6368",
                                     lw=1.0, zorder=1, shrinkA=0, shrinkB=0))
    for n in d.order:
        b = lay.boxes[n]
        fill, edge, style = STYLE[_kind(d, n)]
        ax.add_patch(FancyBboxPatch((b.x - b.w / 2, b.y - b.h / 2), b.w, b.h, boxstyle="round,pad=0,rounding_size=0.05",
                                    fc=fill, ec=edge, ls=style, lw=1.0, zorder=3))
        ax.text(b.x, b.y, texts[n], ha="center", va="center", fontsize=NODE_FONT, zorder=4)
    for (p, c), text in edge_texts.items():
        b = lay.boxes[label_key(p, c)]
        ax.add_patch(FancyBboxPatch((b.x - b.w / 2, b.y - b.h / 2), b.w, b.h, boxstyle="round,pad=0,rounding_size=0.03",
                                    fc="white", ec="#dadce0", lw=0.5, zorder=5))
        ax.text(b.x, b.y, text, ha="center", va="center", fontsize=LABEL_FONT, color="#a50e0e", zorder=6)
    save(fig, path, formats, tight=False)
    return lay


def trimmed(points, source, target):
    """The polyline from the source box's edge to the target box's edge (an arrow starts and ends at boxes)."""
    points = list(points)
    while len(points) > 2 and inside(points[1], source):
        points.pop(0)
    points[0] = _exit(points[1], points[0], source) if inside(points[0], source) else points[0]
    while len(points) > 2 and inside(points[-2], target):
        points.pop()
    points[-1] = _exit(points[-2], points[-1], target) if inside(points[-1], target) else points[-1]
    return points


def inside(point, box, slack: float = 1e-9) -> bool:
    x0, y0, x1, y1 = box.bounds
    return x0 - slack <= point[0] <= x1 + slack and y0 - slack <= point[1] <= y1 + slack


def _exit(outside, within, box):
    """Where the segment from a point outside the box to one inside crosses the box's edge."""
    (x0, y0), (x1, y1) = outside, within
    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = (lo + hi) / 2
        if inside((x0 + mid * (x1 - x0), y0 + mid * (y1 - y0)), box):
            hi = mid
        else:
            lo = mid
    return x0 + lo * (x1 - x0), y0 + lo * (y1 - y0)


def _graph_summary(d, path: str, formats):
    plt = pyplot()
    counts: dict[int, int] = {}
    for n in d.order:
        counts[d.nodes[n].layer] = counts.get(d.nodes[n].layer, 0) + 1
    links: dict[tuple[int, int], int] = {}
    for (p, c) in d.graph.edges:
        key = (d.nodes[p].layer, d.nodes[c].layer)
        links[key] = links.get(key, 0) + 1
    fig, ax = plt.subplots(figsize=(max(6.0, 1.9 * len(counts)), 2.6))
    ax.set_axis_off()
    boxes = {}
    for layer, count in sorted(counts.items()):
        label = d.target if layer == max(counts) and count == 1 else f"{count}"
        boxes[layer] = ax.text(layer, 0, label, ha="center", va="center", fontsize=10,
                               bbox={"boxstyle": "round,pad=0.5", "fc": "#e8f0fe", "ec": "#3367d6"})
    for (a, b), count in sorted(links.items()):
        bend = 0.0 if b == a + 1 else 0.35
        ax.annotate("", xy=(b, 0), xytext=(a, 0), arrowprops={"arrowstyle": "-|>", "color": "#5f6368",
                    "connectionstyle": f"arc3,rad={bend}", "patchA": boxes[a], "patchB": boxes[b]})
        ax.text((a + b) / 2, 0.12 + bend * (b - a) * 0.45, str(count), ha="center", fontsize=8, color="#a50e0e")
    ax.set_xlim(-0.6, max(counts) + 0.6)
    ax.set_ylim(-0.8, 0.8 + 0.25 * max((b - a for a, b in links), default=1))
    save(fig, path, formats)


STEPS_SHOWN = 4            # inputs drawn in the error-against-step plot (all of them are in the JSON)


def steps_figure(d, checks, lang: str, path: str, formats=("png",)):
    """Relative error of forward (dashed, open markers) and central (solid, filled) differences against h,
    one colour per input, for at most STEPS_SHOWN inputs; the 10⁻⁶ tolerance labelled; legend below."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    floor = 1e-17
    shown = [(x, c) for x, c in checks.checks.items() if c.exact is not None and c.fd is not None][:STEPS_SHOWN]
    drawn = []
    for i, (x, c) in enumerate(shown):
        for values, style, fill, label in ((c.fd.forward, "--", "white", t(lang, "fig_forward")),
                                           (c.fd.central, "-", f"C{i}", t(lang, "fig_central"))):
            errors = [max(relative_error(v, c.exact) if math.isfinite(v) else 1e3, floor) for v in values]
            drawn += errors
            ax.loglog(c.fd.steps, errors, style, color=f"C{i}", lw=1.4, marker="o", ms=4.5, mfc=fill, mec=f"C{i}",
                      label=f"{x}: {label}")
    tolerance = TOL["finite_differences"]
    ax.axhline(tolerance, color="#5f6368", lw=0.9, ls=":")
    ax.annotate(t(lang, "fig_tolerance"), (0.0, tolerance), xycoords=("axes fraction", "data"), xytext=(3, -3),
                textcoords="offset points", ha="left", va="top", fontsize=8, color="#5f6368")
    ax.set_xlabel(t(lang, "fig_step"))
    ax.set_ylabel(t(lang, "fig_rel_error"))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(STEPS[0] * 3, STEPS[-1] / 3)       # large steps on the left
    low = min(drawn + [tolerance]) / 10
    ax.set_ylim(max(low, floor / 3), min(max(drawn + [tolerance]) * 10, 1e4))
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(LogLocator(numticks=8))
        axis.set_major_formatter(FuncFormatter(_power_of_ten))
        axis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8, frameon=False)
        fig.tight_layout(rect=(0, 0.08 + 0.05 * ((len(labels) - 1) // 4), 1, 1))
    save(fig, path, formats)


def _power_of_ten(value, _position=None) -> str:
    """10⁻⁶ in Unicode, so no tick label goes through mathtext."""
    if not math.isfinite(value) or value <= 0:
        return ""
    exponent = round(math.log10(value))
    return "1" if exponent == 0 else f"10{str(exponent).translate(SUPERSCRIPTS)}"


SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def convergence_figure(study, lang: str, path: str, formats=("png",)):
    """log relative residual against iteration for each method, and the theoretical rate of GD as a line."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    for i, (method, run) in enumerate(study.runs.items()):
        ks = [k for k, _ in run.history]
        rs = [max(r, 1e-18) for _, r in run.history]
        ax.semilogy(ks, rs, color=f"C{i}", lw=1.4, label=t(lang, f"method_{method}"))
        if method == "gradient-descent" and run.step.rho:
            kappa_bound = [min(1.0, run.history[0][1] * run.step.rho ** k) for k in ks]
            ax.semilogy(ks, kappa_bound, color=f"C{i}", lw=0.9, ls=":", label=t(lang, "fig_theory"))
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlabel(t(lang, "fig_iteration"))
    ax.set_ylabel(t(lang, "fig_residual"))
    from matplotlib.ticker import FuncFormatter, LogLocator

    ax.yaxis.set_major_locator(LogLocator(numticks=8))
    ax.yaxis.set_major_formatter(FuncFormatter(_power_of_ten))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}" if v < 1e5 else _power_of_ten(v)))
    ax.legend(fontsize=8, frameon=False)
    save(fig, path, formats)


def bench_figure(bench, lang: str, path: str, formats=("png",)):
    """GFLOP/s against n per device and dtype (log scale), and the speedup over the CPU where a GPU ran;
    one colour per series in both panels and one legend below them."""
    plt = pyplot()
    from matplotlib.ticker import FuncFormatter, LogLocator

    series: dict[tuple[str, str], list] = {}
    for r in bench.results:
        series.setdefault((r.device, r.dtype), []).append(r)
    colour = {key: f"C{i % 10}" for i, key in enumerate(sorted(series))}
    gpu = any(dev != "cpu" for dev, _ in series)
    fig, axes = plt.subplots(1, 2 if gpu else 1, figsize=(10 if gpu else 6.4, 4.2), squeeze=False)
    ax = axes[0][0]
    sizes = sorted({r.n for r in bench.results})
    for (dev, dtype), rows in sorted(series.items()):
        rows = sorted(rows, key=lambda r: r.n)
        ax.plot([r.n for r in rows], [r.gflops for r in rows], marker="o", color=colour[dev, dtype],
                label=f"{dev} {dtype}")
        hollow = [r for r in rows if r.disturbed]
        if hollow:           # disturbed runs: open circles, named in the legend
            ax.plot([r.n for r in hollow], [r.gflops for r in hollow], "o", mfc="white", mec=colour[dev, dtype],
                    ms=8, label=t(lang, "fig_disturbed", device=dev, dtype=dtype))
        if dev == "cpu" and rows[0].peak_gflops and not gpu:
            ax.axhline(rows[0].peak_gflops, color=colour[dev, dtype], ls=":", lw=1)
            ax.annotate(t(lang, "fig_peak", device=dev, dtype=dtype), (1.0, rows[0].peak_gflops),
                        xycoords=("axes fraction", "data"), xytext=(-2, 3), textcoords="offset points",
                        ha="right", va="bottom", fontsize=7, color=colour[dev, dtype])
    _size_axis(ax, sizes)
    ax.set_xlabel(t(lang, "fig_size"))
    ax.set_ylabel(t(lang, "fig_gflops_log"))
    ax.set_yscale("log")           # a peak line far above small sizes no longer crushes them near 0
    _plain_log_axis(ax.yaxis, LogLocator, FuncFormatter)
    if gpu:
        ax2 = axes[0][1]
        cpu = {(r.dtype, r.n): r for r in bench.results if r.device == "cpu" and not r.disturbed}
        for (dev, dtype), rows in sorted(series.items()):
            base = "float32" if dtype == "tf32" else dtype
            pairs = sorted((r.n, cpu[base, r.n].median_s / r.median_s) for r in rows if (base, r.n) in cpu)
            if dev != "cpu" and pairs:
                ax2.plot(*zip(*pairs), marker="o", color=colour[dev, dtype])
        _size_axis(ax2, sizes)
        ax2.set_yscale("log")
        _plain_log_axis(ax2.yaxis, LogLocator, FuncFormatter)
        ax2.set_xlabel(t(lang, "fig_size"))
        ax2.set_ylabel(t(lang, "fig_speedup"))
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.06 + 0.05 * ((len(labels) - 1) // 4), 1, 1))
    save(fig, path, formats)


def _plain_log_axis(axis, LogLocator, FuncFormatter):
    """Ticks at 1, 2 and 5 of each decade when it spans few decades, labelled as plain numbers."""
    low, high = axis.axes.get_ylim()
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0) if high / max(low, 1e-300) < 1e3 else (1.0,)))
    axis.set_major_formatter(FuncFormatter(_plain_number))
    axis.set_minor_formatter(FuncFormatter(lambda v, _: ""))


def _plain_number(value, _position=None) -> str:
    """Tick labels as people write numbers: 40, 100, 2000, 1e+05 only beyond a million."""
    if value <= 0:
        return ""
    return f"{value:,.0f}".replace(",", "\u2009") if 1 <= value < 1e6 else f"{value:.0e}" if value >= 1e6 else f"{value:g}"


def _size_axis(ax, sizes):
    """A log axis whose ticks are the sizes measured, written out (sizes too close to their neighbour, such as
    1000 beside 1024, keep their point but lose their label)."""
    ax.set_xscale("log")
    shown = []
    for n in sizes:
        if not shown or n / shown[-1] >= 1.35:
            shown.append(n)
    ax.set_xticks(shown, [str(n) for n in shown])
    ax.minorticks_off()


def bench_plot(bench, file: str, lang: str = "en"):
    """`derive bench --plot FILE.png`: one figure file."""
    stem, _, fmt = file.rpartition(".")
    if fmt not in ("png", "svg", "pdf"):
        stem, fmt = file, "png"
    bench_figure(bench, lang, stem, (fmt,))



def loss_plot(losses: list[float], target: str, path: str, formats=("png",), lang: str = "en"):
    """The loss after each training step (step 0: before any), on a log scale when it spans decades."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.0, 3.2))
    steps = list(range(len(losses)))
    ax.plot(steps, losses, marker="o" if len(losses) <= 30 else None, ms=3, color="#3367d6", lw=1.4)
    positive = [v for v in losses if v > 0]
    if positive and len(positive) == len(losses) and max(positive) / min(positive) > 100:
        ax.set_yscale("log")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(t(lang, "step_axis"))
    ax.set_ylabel(target)
    ax.grid(alpha=0.3)
    save(fig, path, formats)
