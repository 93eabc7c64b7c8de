"""The command line: JSON shape, exit codes, messages instead of tracebacks."""
import json
import subprocess
import sys

import sympy as sp

from derive.apps.cli import main


def run(*args):
    return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True, text=True, timeout=120)


def test_gradients_json_on_the_seed():
    out = run("gradients", "ejercicio2", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["target"] == "loss"
    assert data["nodes"]["m"]["exact"] == "90" and data["nodes"]["m"]["decimal"].startswith("90.000")
    a = data["gradients"]["a"]
    assert sp.simplify(sp.sympify(a["exact"]) - (-4 / (1 + sp.exp(46)))) == 0   # our own output, not user text
    assert a["decimal"] == "-4.21224694302152495146097221900e-20"
    assert a["kink"] is None and a["latex"] and a["expression"]
    assert set(data["nodes"]) == {"a", "b", "c", "d", "m", "n", "p", "q", "z", "pred", "loss"}


def test_kink_in_json(tmp_path, capsys):
    f = tmp_path / "k.toml"
    f.write_text('kind = "gradient"\n[values]\nm = 0\n[formulas]\np = "max(m, 0)"\n')
    assert main(["gradients", str(f), "--json"]) == 0
    g = json.loads(capsys.readouterr().out)["gradients"]["m"]
    assert g["exact"] is None and g["decimal"] is None
    assert g["kink"] == {"node": "p", "at": "Max(0, m)", "element": [], "left": "0", "right": "1"}
    assert "exact_note" in g                                                  # not computed, and why


def test_bad_input_exits_1_without_traceback(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text('kind = "gradient"\n[values]\na = 1\n[formulas]\nn = "7 × a + × a"\n', encoding="utf-8")
    out = run("gradients", str(f))
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert f"{f}:5:" in out.stderr and "^" in out.stderr
    assert out.stdout == ""


def test_missing_file_and_wrong_kind():
    assert run("gradients", "no/such/file.toml").returncode == 1
    wrong = run("gradients", "ejercicio3")
    assert wrong.returncode == 1 and "linear-system" in wrong.stderr


def test_text_output_and_list(capsys):
    assert main(["gradients", "ejercicio2"]) == 0
    text = capsys.readouterr().out
    assert "dloss/da = -4/(1 + exp(46))" in text
    assert main(["list"]) == 0
    assert "ejercicio2" in capsys.readouterr().out


def test_quick_commands_import_neither_torch_nor_matplotlib(tmp_path):
    """--help, list, new, check and gradients --exact-only stay quick: torch and matplotlib (and networkx)
    are never imported, read from sys.modules in a fresh process."""
    script = ("import sys\n"
              "from derive.apps.cli import main\n"           # `python -m derive` leaves by os._exit, so main itself
              "try:\n    main(sys.argv[1:])\n"
              "except SystemExit:\n    pass\n"
              "print(sorted(m for m in ('torch', 'matplotlib', 'networkx') if m in sys.modules))\n")
    for argv in (["--help"], ["list"], ["new", str(tmp_path / "n.toml")], ["check", "ejercicio2"],
                 ["gradients", "ejercicio2", "--exact-only"], ["gradients", "ejercicio5", "--exact-only", "--json"]):
        out = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True, timeout=120)
        assert out.stdout.strip().splitlines()[-1] == "[]", (argv, out.stdout[-300:], out.stderr[-300:])


def test_a_reader_that_leaves_early_gets_no_error(tmp_path):
    """`derive gradients ... | head`: the pipe closes under a large output (480 KB, more than a pipe holds);
    derive stops quietly with the shell's status for it (141), without "error: Broken pipe" or a traceback."""
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from mlp_gradients import mlp_exercise

    (tmp_path / "mlp.toml").write_text(mlp_exercise([2, 8, 8, 1]))
    reader = subprocess.Popen([sys.executable, "-m", "derive", "gradients", str(tmp_path / "mlp.toml"), "--json",
                               "--exact-only"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout.read(10) == b'{\n  "targe'
    reader.stdout.close()
    assert reader.wait(timeout=120) == 141
    assert reader.stderr.read() == b""


def test_printed_precedence_is_sympys():
    """output.TextPrinter answers SymPy's precedence() from its own rule for products (without building -x);
    the answers and the printed text are SymPy's on products and sums of all signs and kinds."""
    from hypothesis import given, settings, strategies as st
    from sympy.printing.precedence import precedence

    from derive.outputs.textjson import TextPrinter, precedence_of
    from derive.core.ops import sigmoid

    x, y = sp.symbols("x y", real=True)
    atoms = [x, y, sp.tanh(x), sigmoid(y), sp.exp(x), sp.Rational(-3, 7), sp.Integer(2), sp.Float(-0.5), sp.pi,
             sp.sqrt(2), sp.oo, -sp.oo, sp.zoo, sp.nan, sp.Integer(-1), sp.Abs(x), x ** 2, 1 / (1 + x)]

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.sampled_from(atoms), min_size=1, max_size=4), st.lists(st.sampled_from(atoms), max_size=3))
    def check(factors, terms):
        product = sp.Mul(*factors)
        expr = product + sp.Add(*terms) if terms else product
        for e in (product, expr, -product):
            assert precedence_of(e) == precedence(e)
            assert TextPrinter().doprint(e) == sp.StrPrinter({"order": "none"}).doprint(e) or \
                "sigmoid" in str(e) or "exp(1)" in TextPrinter().doprint(e)

    check()


def test_json_of_a_large_graph_is_one_line_per_node(monkeypatch):
    """Up to output.LINES_PAST nodes the JSON is json.dumps(indent=2), byte for byte; past it (here, with the
    bound lowered) every node, adjoint and gradient is one line, and the data are the same."""
    import derive.outputs.textjson as output
    from conftest import differentiate

    d = differentiate({"x": 1, "y": 2}, {"u": "x y", "v": "sin(u) + x", "out": "v^2 / (1 + y)"})
    data = output.to_json(d)
    assert output.dumps(data) == json.dumps(data, indent=2, ensure_ascii=False)
    monkeypatch.setattr(output, "LINES_PAST", 2)
    text = output.dumps(data)
    assert json.loads(text) == json.loads(json.dumps(data))
    lines = text.splitlines()
    for name in ("x", "y", "u", "v", "out"):
        assert sum(line.startswith(f'    "{name}": {{"kind"') for line in lines) == 1
    objects = [v for v in data.values() if type(v) is dict and v]       # nodes, adjoints, gradients
    assert len(lines) == 2 + len(data) + len(objects) + sum(len(v) for v in objects)   # braces, keys, closings, entries
