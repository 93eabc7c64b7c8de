"""Where the graph figure's boxes, labels and arrows go, in inches: Graphviz's `dot` where it is installed,
else a layered layout of our own with the same guarantees. Each arrow's label is laid out as a small box of
its own on the arrow (a node to the layout engine), so no label can sit on a box or on another label, and
every box and label has its measured size, so nothing is cut by the canvas."""
from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field

GAP_X = 0.35          # inches between columns
GAP_Y = 0.18          # inches between boxes in a column
MARGIN = 0.12


@dataclass
class Box:
    x: float              # centre, inches
    y: float
    w: float
    h: float

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return self.x - self.w / 2, self.y - self.h / 2, self.x + self.w / 2, self.y + self.h / 2


@dataclass
class Arrow:
    source: str
    target: str
    points: list[tuple[float, float]]     # a polyline, or cubic Bézier control points when `curved`
    curved: bool = False
    label: str | None = None              # the key of its label box


@dataclass
class Layout:
    boxes: dict[str, Box]                 # nodes and labels ("label:p->c")
    arrows: list[Arrow] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0
    engine: str = "derive"


def label_key(p: str, c: str) -> str:
    return f"label:{p}->{c}"


def layout(sizes: dict[str, tuple[float, float]], edges: list[tuple[str, str]], layers: dict[str, int],
           labels: dict[tuple[str, str], tuple[float, float]], engine: str | None = None) -> Layout:
    """`sizes`: node -> (width, height) in inches; `labels`: (p, c) -> label size, for arrows that have one.
    engine: "dot", "derive" or None (dot when installed)."""
    use_dot = engine == "dot" or (engine is None and shutil.which("dot"))
    if use_dot:
        try:
            return _dot(sizes, edges, labels)
        except (OSError, subprocess.SubprocessError, ValueError, KeyError):
            if engine == "dot":
                raise
    return _layered(sizes, edges, layers, labels)


# -- Graphviz ------------------------------------------------------------------------------------------

def _dot(sizes, edges, labels) -> Layout:
    ids = {n: f"n{i}" for i, n in enumerate(sizes)}
    lines = ["digraph G {", "rankdir=LR; nodesep=%.2f; ranksep=%.2f; splines=spline;" % (GAP_Y, GAP_X),
             'node [shape=box, fixedsize=true, label=""];', "edge [arrowsize=0.6];"]
    for n, (w, h) in sizes.items():
        lines.append(f'{ids[n]} [width={w:.4f}, height={h:.4f}];')
    for k, (p, c) in enumerate(edges):
        if (p, c) in labels:
            w, h = labels[p, c]
            lines.append(f'l{k} [width={w:.4f}, height={h:.4f}];')
            lines.append(f"{ids[p]} -> l{k} [arrowhead=none];")
            lines.append(f"l{k} -> {ids[c]};")
        else:
            lines.append(f"{ids[p]} -> {ids[c]};")
    lines.append("}")
    done = subprocess.run(["dot", "-Tjson"], input="\n".join(lines), capture_output=True, text=True, timeout=60,
                          check=True)
    data = json.loads(done.stdout)
    _, _, W, H = (float(v) / 72 for v in data["bb"].split(","))
    names = {v: k for k, v in ids.items()}
    keys = {f"l{k}": label_key(p, c) for k, (p, c) in enumerate(edges) if (p, c) in labels}
    boxes, by_id = {}, {}
    for i, obj in enumerate(data["objects"]):
        x, y = (float(v) / 72 for v in obj["pos"].split(","))
        key = names.get(obj["name"]) or keys[obj["name"]]
        boxes[key] = Box(x + MARGIN, y + MARGIN, float(obj["width"]), float(obj["height"]))
        by_id[i] = key
    pieces: dict[tuple[str, str], tuple] = {}
    for e in data.get("edges", []):
        pieces[by_id[e["tail"]], by_id[e["head"]]] = _spline(e["pos"])
    arrows = []
    for p, c in edges:
        if (p, c) in labels:
            key = label_key(p, c)
            a, _ = pieces[p, key]
            b, tip = pieces[key, c]
            arrows.append(Arrow(p, c, _sample(a) + _sample(b) + ([tip] if tip else []), False, key))
        else:
            a, tip = pieces[p, c]
            arrows.append(Arrow(p, c, _sample(a) + ([tip] if tip else []), False))
    return Layout(boxes, arrows, W + 2 * MARGIN, H + 2 * MARGIN, "dot")


def _spline(pos: str):
    """Graphviz's edge position: cubic Bézier control points and the arrow's tip ("e,x,y"), in inches."""
    tip = None
    points = []
    for part in pos.split():
        if part.startswith("e,"):
            x, y = part[2:].split(",")
            tip = (float(x) / 72 + MARGIN, float(y) / 72 + MARGIN)
        elif not part.startswith("s,"):
            x, y = part.split(",")
            points.append((float(x) / 72 + MARGIN, float(y) / 72 + MARGIN))
    return points, tip


def _sample(points: list) -> list:
    """A piecewise cubic Bézier (1 + 3k control points) sampled as a polyline."""
    out = [points[0]]
    for i in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[i:i + 4]
        for t in (0.25, 0.5, 0.75, 1.0):
            u = 1 - t
            out.append((u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                        u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1]))
    return out


# -- the fallback: layers, with waypoints for long arrows ------------------------------------------------

def _layered(sizes, edges, layers, labels) -> Layout:
    """Columns by layer; each arrow's label (and a waypoint per column a long arrow crosses) is a box in the
    column after its source, so arrows run between boxes, never through them."""
    column: dict[str, int] = {n: 2 * layers[n] for n in sizes}
    size = dict(sizes)
    chains: list[tuple[str, str, list[str], str | None]] = []
    for k, (p, c) in enumerate(edges):
        hops = []
        for col in range(column[p] + 1, column[c]):
            key = label_key(p, c) if col == column[p] + 1 and (p, c) in labels else f"way:{k}:{col}"
            size[key] = labels[p, c] if key.startswith("label:") else (0.01, 0.01)
            column[key] = col
            hops.append(key)
        chains.append((p, c, hops, label_key(p, c) if (p, c) in labels else None))
    by_column: dict[int, list[str]] = {}
    for key, col in column.items():
        by_column.setdefault(col, []).append(key)
    order = _order(by_column, chains)
    widths = {col: max(size[k][0] for k in keys) for col, keys in order.items()}
    xs, x = {}, MARGIN
    for col in sorted(order):
        xs[col] = x + widths[col] / 2
        x += widths[col] + GAP_X
    heights = {col: sum(size[k][1] for k in keys) + GAP_Y * (len(keys) - 1) for col, keys in order.items()}
    tallest = max(heights.values())
    boxes = {}
    for col, keys in order.items():
        y = MARGIN + (tallest + heights[col]) / 2
        for key in keys:
            w, h = size[key]
            y -= h / 2
            boxes[key] = Box(xs[col], y, w, h)
            y -= h / 2 + GAP_Y
    arrows = []
    for p, c, hops, label in chains:
        points = [(boxes[p].x, boxes[p].y)] + [(boxes[h].x, boxes[h].y) for h in hops] + [(boxes[c].x, boxes[c].y)]
        arrows.append(Arrow(p, c, points, False, label))
    boxes = {k: b for k, b in boxes.items() if not k.startswith("way:")}
    return Layout(boxes, arrows, x - GAP_X + MARGIN, tallest + 2 * MARGIN, "derive")


def _order(by_column: dict[int, list[str]], chains) -> dict[int, list[str]]:
    """Within each column, boxes sorted by the mean height of what feeds them (barycentres, a few sweeps)."""
    preds: dict[str, list[str]] = {}
    for p, c, hops, _ in chains:
        path = [p, *hops, c]
        for a, b in zip(path, path[1:]):
            preds.setdefault(b, []).append(a)
    order = {col: list(keys) for col, keys in sorted(by_column.items())}
    for _ in range(4):
        rank = {k: i for keys in order.values() for i, k in enumerate(keys)}
        for col in sorted(order)[1:]:
            keys = order[col]
            keys.sort(key=lambda k: sum(rank[p] for p in preds.get(k, [])) / max(1, len(preds.get(k, [])))
                      if preds.get(k) else rank[k])
            rank.update({k: i for i, k in enumerate(keys)})
    return order
