"""The shape of the house: no import cycle among derive's modules, counting imports written inside functions
(import-linter's layers contract in .ci/run holds the direction of every import; this test needs nothing but
the standard library)."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import derive

PACKAGE = Path(derive.__file__).resolve().parent


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("derive",) + path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, path: Path, known: dict) -> set[str]:
    """derive's modules that `name` imports anywhere in its file (top level or inside a function)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                full = f"{target}.{alias.name}"
                out.add(full if full in known else target)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return {m for m in out if m in known and m != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_even_through_imports_inside_functions():
    known = modules()
    graph = {name: imports(name, path, known) for name, path in known.items()}
    assert not cycles(graph), cycles(graph)


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_every_command_and_the_api_go_through_one_compute(monkeypatch, tmp_path, capsys):
    """gradients, report, check, variants and the API all compute through pipeline.compute."""
    import derive as package
    from derive import pipeline
    from derive.apps import cli

    seen = []
    real = pipeline.compute

    def spy(exercise, options=pipeline.Options()):
        seen.append(options)
        return real(exercise, options)

    monkeypatch.setattr(pipeline, "compute", spy)
    commands = {"gradients": ["gradients", "ejercicio4", "--exact-only", "--step", "1/2"],
                "report": ["report", "ejercicio4", "--out", str(tmp_path / "r"), "--format", "md", "--lang", "en"],
                "check": ["check", "ejercicio4"],
                "variants": ["variants", "ejercicio2", "-n", "2", "--seed", "1", "--out", str(tmp_path / "v"),
                             "--format", "md", "--workers", "1"]}
    for command, argv in commands.items():
        seen.clear()
        cli.main(argv)
        capsys.readouterr()
        assert seen, f"{command} did not go through pipeline.compute"
    seen.clear()
    package.Exercise.load("ejercicio4").to_dict()
    assert seen, "the API did not go through pipeline.compute"


def test_options_are_passed_in_never_written_into_the_exercise():
    import sympy as sp

    from derive import pipeline
    from derive.model.exercise import load
    from derive.model.stepspec import Step

    ex = load("ejercicio4")
    assert ex.step is None
    stepped = pipeline.compute(ex, pipeline.Options(step=Step(sp.Rational(1, 2), 2), checks=False))
    assert ex.step is None and stepped.exercise.step.steps == 2 and len(stepped.derivation.training) == 3
    plain = pipeline.compute(ex, pipeline.Options(checks=False))
    assert plain.derivation.training is None and plain.checks is None
