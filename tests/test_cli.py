"""The command line: JSON shape, exit codes, messages instead of tracebacks."""
import json
import subprocess
import sys

import sympy as sp

from derive.cli import main


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
    script = ("import sys, runpy\n"
              "sys.argv = ['derive'] + sys.argv[1:]\n"
              "try:\n    runpy.run_module('derive', run_name='__main__')\n"
              "except SystemExit:\n    pass\n"
              "print(sorted(m for m in ('torch', 'matplotlib', 'networkx') if m in sys.modules))\n")
    for argv in (["--help"], ["list"], ["new", str(tmp_path / "n.toml")], ["check", "ejercicio2"],
                 ["gradients", "ejercicio2", "--exact-only"], ["gradients", "ejercicio5", "--exact-only", "--json"]):
        out = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True, timeout=120)
        assert out.stdout.strip().splitlines()[-1] == "[]", (argv, out.stdout[-300:], out.stderr[-300:])
