"""Teachers' tools: ranges, variants with answer keys, the linter, the scaffold, watch mode."""
from __future__ import annotations

import re
import threading
import time
import tomllib

import mpmath
import pytest

from derive.apps import cli, lint
from derive.core.errors import DeriveError
from derive.model.exercise import load, loads
from derive.apps.scaffold import STARTERS

RANGED = '''kind = "gradient"
[values]
a = { min = -2, max = 2, step = 0.5, default = 1 }
b = { choices = [1, 2, "1/3"] }
[formulas]
y = "a^2 b"
'''


def test_ranges_give_choices_and_a_default():
    ex = loads(RANGED)
    assert [str(c) for c in ex.ranges["a"].choices] == ["-2", "-3/2", "-1", "-1/2", "0", "1/2", "1", "3/2", "2"]
    assert ex.values["a"] == 1
    assert str(ex.values["b"]) in ("1", "2", "1/3")           # no default: random.Random(0)'s pick
    assert loads(RANGED).values["b"] == ex.values["b"]       # and always the same one


@pytest.mark.parametrize("value, message", [
    ("{ min = 3, max = 1 }", "min <= max"),
    ("{ max = 1 }", "must have min and max"),
    ("{ choices = [] }", "non-empty list"),
    ("{ min = 0, max = 10, default = 11 }", "not one of its values"),
    ("{ min = 0, max = 1e9, step = 1 }", "the limit is"),
])
def test_bad_ranges_point_at_their_line(value, message):
    with pytest.raises(DeriveError, match=message) as e:
        loads(f'kind = "gradient"\n[values]\na = {value}\n[formulas]\ny = "2a"\n')
    assert e.value.spot.line == 3


def test_the_bundled_exercise_keeps_the_notebook_point():
    ex = load("ejercicio2")
    assert {k: int(v) for k, v in ex.values.items()} == {"a": 2, "b": 3, "c": -1, "d": 7}
    assert set(ex.ranges) == {"a", "b", "c", "d"}


def _by_hand(values: dict) -> dict:
    """Ejercicio 2's gradient worked out by hand: d loss/d x = (1 − σ(z)) (∂p/∂x − ∂q/∂x)."""
    a, b, c, d = (mpmath.mpf(values[k]) for k in "abcd")
    m, n = 3 * a + 4 * b - 2 * c + 10 * d, 7 * a + b + c + 4 * d
    z = max(m, 0) - max(n, 0)
    outer = 1 - 1 / (1 + mpmath.exp(-z))
    dm, dn = {"a": (3, 7), "b": (4, 1), "c": (-2, 1), "d": (10, 4)}, (m > 0, n > 0)
    return {x: outer * (p * dn[0] - q * dn[1]) for x, (p, q) in dm.items()}


@pytest.fixture(scope="module")
def thirty(tmp_path_factory):
    out = tmp_path_factory.mktemp("variants")
    assert cli.main(["variants", "ejercicio2", "-n", "30", "--seed", "1", "--out", str(out), "--format", "md"]) == 0
    return out


def test_thirty_distinct_good_variants_whose_answers_match_a_recomputation(thirty):
    files = sorted(thirty.glob("ejercicio2-v*.toml"))
    assert len(files) == 30
    answers_md = (thirty / "ejercicio2-answers.md").read_text()
    seen = set()
    with mpmath.workdps(50):
        for f in files:
            values = tomllib.loads(f.read_text())["values"]
            grads = _by_hand(values)
            key = tuple(mpmath.nstr(g, 20) for g in grads.values())
            assert key not in seen
            seen.add(key)
            m = 3 * values["a"] + 4 * values["b"] - 2 * values["c"] + 10 * values["d"]
            n = 7 * values["a"] + values["b"] + values["c"] + 4 * values["d"]
            assert m > 0 and n > 0              # no kink, and both max branches active, as at the file's point
            assert not all(g == 0 for g in grads.values())
            ex = load(f)
            from derive.engine import derive

            d = derive(ex)
            for x, g in grads.items():
                assert abs(d.gradients[x].value - g) <= mpmath.mpf(10) ** -25 * max(1, abs(g)), (f.name, x)
    for k in range(1, 31):
        assert f"## Variante {k}\n" in answers_md
    students = (thirty / "ejercicio2-students.md").read_text()
    assert "tres maneras" not in students and students.count("## Variante") == 30
    assert students.count("hueco") >= 30 and "\\underline" in students     # instructions, blanks to fill


def test_the_short_key_has_every_variant_to_four_digits(thirty):
    """The marker's key: one row per variant, each answer within its stated 1 % of a recomputation by hand."""
    rows = [line for line in (thirty / "ejercicio2-key.md").read_text().splitlines() if line.startswith("| ")][1:]
    assert len(rows) == 30 and "1%" in (thirty / "ejercicio2-key.md").read_text()
    with mpmath.workdps(30):
        for row, f in zip(rows, sorted(thirty.glob("ejercicio2-v*.toml"))):
            cells = [c.strip().strip("$") for c in row.strip("|").split("|")]
            grads = list(_by_hand(tomllib.loads(f.read_text())["values"]).values())
            shown = [float(c.replace(" \\times 10^{", "e").replace("}", "")) for c in cells[5:]]
            for value, exact in zip(shown, grads):
                assert abs(value - float(exact)) <= 0.001 * abs(float(exact)), (f.name, value, exact)


def test_no_variant_saturates(thirty):
    from derive.engine import derive
    from derive.checks.numeric import check_gradients

    for f in sorted(thirty.glob("ejercicio2-v*.toml"))[:10]:
        checks = check_gradients(derive(load(f)))
        assert not [w for w in checks.warnings if w.code in ("saturation", "rounds-to-zero")], f.name
        checks.assert_agree()


def test_variants_are_identical_across_runs_and_worker_counts(thirty, tmp_path):
    assert cli.main(["variants", "ejercicio2", "-n", "30", "--seed", "1", "--out", str(tmp_path), "--format", "md",
                     "--workers", "1"]) == 0
    for f in thirty.iterdir():
        assert (tmp_path / f.name).read_bytes() == f.read_bytes(), f.name


def test_require_conditions_hold_in_every_variant_and_the_summary_says_so(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text('kind = "gradient"\n[values]\na = { min = -9, max = 9, step = 1, default = 2 }\n'
                    'b = { min = -9, max = 9, step = 1, default = 3 }\n[formulas]\nm = "3a + 4b"\np = "max(m, 0)"\n'
                    'y = "p^2 + relu(a - b)"\n[variants]\nrequire = ["m > 5", "p < 40"]\n')
    assert cli.main(["variants", str(path), "-n", "8", "--out", str(tmp_path / "o"), "--format", "md"]) == 0
    for f in sorted((tmp_path / "o").glob("r-v*.toml")):
        v = tomllib.loads(f.read_text())["values"]
        m = 3 * v["a"] + 4 * v["b"]
        assert 5 < m < 40 and v["a"] < v["b"], f.name          # the conditions, and relu(a - b) on 0 as at (2, 3)
    summary = (tmp_path / "o" / "r-summary.md").read_text()
    assert "same branch of every max" in summary and "`m > 5`" in summary and "`p < 40`" in summary


@pytest.mark.parametrize("require, message", [
    ('["m >> 0"]', "compare two sides"), ('["m"]', "compare two sides"), ('["q > 0"]', "in the condition"),
    ('["m > exp("]', "in the condition"),
    ("3", "must be a list"),
])
def test_bad_require_conditions_are_located(tmp_path, capsys, require, message):
    path = tmp_path / "r.toml"
    path.write_text('kind = "gradient"\n[values]\na = { min = -9, max = 9, step = 1, default = 2 }\n[formulas]\n'
                    f'm = "3a"\n[variants]\nrequire = {require}\n')
    assert cli.main(["variants", str(path), "-n", "2", "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert message in err and "r.toml:7" in err and "Traceback" not in err


def test_linear_system_variants_have_integer_answers(tmp_path):
    assert cli.main(["variants", "ejercicio3", "-n", "4", "--seed", "2", "--out", str(tmp_path), "--format", "md"]) == 0
    import sympy as sp

    for f in sorted(tmp_path.glob("ejercicio3-v*.toml")):
        system = load(f).system
        solution = system.A.LUsolve(system.b)
        assert all(v.is_Integer for v in solution)
    assert "| 4 |" in (tmp_path / "ejercicio3-summary.md").read_text()
    del sp


def test_impossible_constraints_fail_clearly(tmp_path, capsys):
    path = tmp_path / "tight.toml"
    path.write_text('kind = "gradient"\n[values]\nx = { choices = [0] }\n[formulas]\ny = "|x|"\n'
                    '[variants]\nmax_attempts = 2\n')
    assert cli.main(["variants", str(path), "-n", "2", "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "only 0 of 2 variants passed" in err and "kink" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())


def test_check_finds_each_kind_of_problem(capsys):
    text = '''kind = "gradient"
[values]
x = 0
unused = 3
w = 50
[formulas]
h = "max(x, 0)"
dead = "2 x"
s = "sigmoid(w)"
y = "h + log(s) + 0 x"
[gradient]
of = "y"
wrt = ["x", "w"]
'''
    ex = loads(text)
    problems = {p.code: p for p in lint.check(ex)}
    assert problems["unused-input"].line == 4
    assert problems["unused-formula"].line == 8
    assert problems["kink"].line == 7
    assert problems["saturation"].line == 9
    assert {"unused-input", "unused-formula", "kink", "saturation"} <= set(problems)


def test_check_zero_gradient_and_target_not_a_sink():
    ex = loads('kind = "gradient"\n[values]\nx = 1\nk = 2\n[formulas]\nu = "x^2"\nv = "u + 1"\n'
               '[gradient]\nof = "u"\nwrt = ["x", "k"]\n')
    codes = {p.code for p in lint.check(ex)}
    assert "target-not-sink" in codes and "zero-gradient" in codes


def test_check_exit_status(tmp_path, capsys):
    assert cli.main(["check", "ejercicio2", "--lang", "en"]) == 1   # the notebook's own point saturates
    out = capsys.readouterr().out
    assert re.search(r"ejercicio2\.toml:\d+: warning \[saturation\]", out) and "fix:" in out
    good = tmp_path / "good.toml"
    good.write_text('kind = "gradient"\n[values]\nx = 1\n[formulas]\ny = "x^2 + 1"\n')
    assert cli.main(["check", str(good)]) == 0
    assert "no problems found" in capsys.readouterr().out


@pytest.mark.parametrize("kind", list(STARTERS))
def test_new_writes_a_starter_that_runs_and_is_clean(kind, tmp_path, capsys):
    path = tmp_path / "mine"
    assert cli.main(["new", str(path), "--kind", kind]) == 0
    written = tmp_path / "mine.toml"
    assert written.exists()
    assert cli.main(["check", str(written)]) == 0
    assert cli.main(["report", str(written), "--out", str(tmp_path / "o"), "--format", "md"]) == 0
    assert cli.main(["new", str(path), "--kind", kind]) == 1       # never overwrites
    assert "already exists" in capsys.readouterr().err


def test_watch_rerenders_and_survives_a_broken_file(tmp_path):
    import io

    from derive.apps.watch import watch

    path = tmp_path / "w.toml"
    path.write_text('kind = "gradient"\n[values]\nx = 1\n[formulas]\ny = "x^2"\n')
    runs, err, stop = [], io.StringIO(), threading.Event()

    def action():
        runs.append(load(path).values["x"])
        return 0

    thread = threading.Thread(target=watch, args=([str(path)], action, 0.02, stop.is_set, err))
    thread.start()
    try:
        for text in ('kind = "gradient"\n[values]\nx = \n', 'kind = "gradient"\n[values]\nx = 3\n[formulas]\ny = "x"\n'):
            time.sleep(0.15)
            path.write_text(text)
        deadline = time.time() + 5
        while len(runs) < 2 and time.time() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join()
    assert runs[0] == 1 and runs[-1] == 3
    assert "invalid TOML" in err.getvalue() and "Traceback" not in err.getvalue()


def test_variant_sheets_compile_to_pdf(tmp_path):
    import shutil

    if shutil.which("pdflatex") is None:
        pytest.skip("needs pdflatex (.ci/run installs TeX)")
    assert cli.main(["variants", "ejercicio3", "-n", "2", "--out", str(tmp_path), "--lang", "en"]) == 0
    for kind in ("students", "answers"):
        assert (tmp_path / f"ejercicio3-{kind}.pdf").read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.glob("*.tex")) and not list(tmp_path.glob(".derive-staging-*"))


def test_answer_keys_do_not_talk_about_a_graph_they_do_not_show(tmp_path):
    from derive.apps import cli
    from derive.core.i18n import CATALOGS

    assert cli.main(["variants", "ejercicio2", "-n", "2", "--seed", "3", "--out", str(tmp_path), "--format", "md",
                     "--lang", "es", "--workers", "1"]) == 0
    key = (tmp_path / "ejercicio2-answers.md").read_text(encoding="utf-8")
    assert CATALOGS["es"]["g_graph"].split(". ")[1] not in key and "```mermaid" not in key


def test_new_answers_ahead_is_good_turing_with_the_rule_of_three():
    from derive.apps.variants import new_answers_ahead

    assert new_answers_ahead({}, 10, 100) == float("inf")
    # 40 good draws in 100, 5 answers drawn once: 500 draws left give 200 good ones, each new with chance 5/40
    assert new_answers_ahead({**{i: 1 for i in range(5)}, **{i: 7 for i in range(5, 10)}}, 100, 500) == \
        pytest.approx(25 + 2 * 5)
    # none drawn once: the chance is bounded by 3/40, not taken as 0
    assert new_answers_ahead({i: 4 for i in range(10)}, 100, 500) == pytest.approx(15 + 2 * 15 ** 0.5)


def test_distinct_estimate_is_chao1():
    from derive.apps.variants import distinct_estimate

    assert distinct_estimate({i: 3 for i in range(10)}) == (10, 0)          # every answer seen thrice: no more
    estimate, sd = distinct_estimate({"a": 1, "b": 1, "c": 2, "d": 5})     # f1 = 2, f2 = 1: 4 + 4/2
    assert estimate == 6 and sd == pytest.approx((1 * (16 / 4 + 8 + 4 / 2)) ** 0.5)
    assert distinct_estimate({"a": 1, "b": 1, "c": 1}) == (6, 6)           # no answer twice: 3 + 3·2/2, sd 3 + 3


def test_variants_say_soon_when_the_ranges_give_too_few_answers(tmp_path, capsys):
    """d(a²)/da = 2a over a in 1..4 has 4 distinct answers: asking for 20 ends well before the 1,000 draws
    allowed (50 per variant), once the draws left could not bring 16 new answers at the rate new ones still
    appear, with the estimate and how many were found."""
    path = tmp_path / "few.toml"
    path.write_text('kind = "gradient"\n[values]\na = { min = 1, max = 4, default = 2 }\nb = { min = 1, max = 1, '
                    'default = 1 }\n[formulas]\nf = "a^2 + b"\n[gradient]\nof = "f"\nwrt = ["a"]\n')
    assert cli.main(["variants", str(path), "-n", "20", "--workers", "1", "--out", str(tmp_path / "out"),
                     "--lang", "en"]) == 1
    err = capsys.readouterr().err
    draws = int(re.search(r"only 4 of 20 variants passed the checks in (\d+) draws", err).group(1))
    assert draws < 50 * 20 * 0.4
    assert "about 4 distinct answers" in err and "4 were found" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_too_few_variants_and_the_reasons_in_spanish(tmp_path, capsys):
    from derive.apps.variants import summary

    counted = summary({"kink": 1, "another branch": 13, "require max(a, b) > 0": 3})
    assert counted.say("es") == "otra rama 13, require max(a, b) > 0 3, pliegue 1"
    assert counted.say("en") == "another branch 13, require max(a, b) > 0 3, kink 1"
    path = tmp_path / "pocas.toml"
    path.write_text('kind = "gradient"\nlang = "es"\n[values]\na = { min = 1, max = 4, default = 2 }\n'
                    'b = { min = 1, max = 1, default = 1 }\n[formulas]\nf = "a^2 + b"\n[gradient]\nof = "f"\n'
                    'wrt = ["a"]\n')
    assert cli.main(["variants", str(path), "-n", "20", "--workers", "1", "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "solo 4 de 20 variantes" in err and "unas 4 respuestas distintas" in err and "se encontraron 4" in err
    assert "la misma respuesta que otra variante" in err and "same answer" not in err
