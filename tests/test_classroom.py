"""The classroom formats: the HTML page in a real browser, the Moodle question bank, the Python API,
the command line in Spanish."""
from __future__ import annotations

import base64
import re
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import mpmath
import moodle_cloze
import pytest

from derive.apps import cli

from browser import CHROMIUM, WHY, inspect, screenshot

BUNDLED = [f"ejercicio{i}" for i in range(1, 7)]


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html")
    assert cli.main(["report", "--out", str(out), "--format", "html"]) == 0
    assert cli.main(["report", "ejercicio2", "ejercicio4", "--lang", "all", "--for", "student", "--out", str(out),
                     "--format", "html"]) == 0
    return out


def test_html_is_one_self_contained_file_per_report(pages):
    files = sorted(p.relative_to(pages).as_posix() for p in pages.rglob("*") if p.is_file()
                   and p.suffix in (".html", ".png"))
    assert [f for f in files if f.endswith(".png")] == [], "figures are embedded, not beside the page"
    for lang in ("en", "es"):
        for stem in BUNDLED:
            page = (pages / lang / f"{stem}.html").read_text(encoding="utf-8")
            assert f'<html lang="{lang}">' in page and 'name="viewport"' in page
            assert "src=\"http" not in page and "href=\"http" not in page, "works offline"
            assert ".graph.dot" not in page, "no mention of files that are not beside the page"
            assert page.count("<img") == page.count('src="data:image/png;base64,') + \
                page.count('src="data:image/svg+xml;base64,')          # every figure embedded: the graph as SVG


@pytest.mark.skipif(CHROMIUM is None, reason=WHY)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_html_renders_in_chromium_with_no_math_error_and_every_figure(pages, lang, tmp_path):
    for page in sorted((pages / lang).glob("*.html")):
        seen = inspect(page, tmp_path)
        assert seen["broken"] == [], f"{page.name}: figures that did not load: {seen['broken']}"
        assert seen["math"] > 0 and seen["mathml"], f"{page.name}: no MathML drawn"
        assert seen["merror"] == 0, f"{page.name}: {seen['merror']} math errors"
        assert seen["blank_math"] == 0, f"{page.name}: {seen['blank_math']} formulas drawn with no width"
        assert seen["overflow"] <= 0, f"{page.name}: {seen['overflow']} px wider than a phone's screen"
        assert seen["small_matrices"] == 0, f"{page.name}: {seen['small_matrices']} vectors drawn at script size"
        assert seen["tex_text"] == 0, f"{page.name}: {seen['tex_text']} TeX commands shown as text"
    figures = sum(inspect(p, tmp_path)["images"] for p in [pages / lang / "ejercicio2.html"])
    assert figures >= 2                                   # the graph and the steps


@pytest.mark.skipif(CHROMIUM is None, reason=WHY)
def test_the_browser_probe_catches_a_broken_figure_and_bad_math(tmp_path):
    from derive.outputs.report.mathml import mathml

    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><body><img src="missing.png" alt="gone">'
                    + mathml(r"\frac{1}{") + "</body></html>", encoding="utf-8")
    seen = inspect(page, tmp_path)
    assert seen["broken"] == ["gone"] and seen["merror"] == 1
    from latex2mathml.converter import convert          # the raw converter: a vector's ᵀ as a four-child msup

    page.write_text('<!DOCTYPE html><html><body><p>x = ' + convert(r"\begin{pmatrix}1 \\ 2\end{pmatrix}^{\top}")
                    + r" and a stray \cr</p></body></html>", encoding="utf-8")
    seen = inspect(page, tmp_path)
    assert seen["small_matrices"] == 1 and seen["tex_text"] == 1


@pytest.mark.skipif(CHROMIUM is None, reason=WHY)
def test_html_screenshot_at_phone_width(pages, tmp_path):
    png = screenshot(pages / "es" / "ejercicio2.html", tmp_path / "ejercicio2-phone.png")
    assert png.stat().st_size > 20_000


# -- Moodle ------------------------------------------------------------------------------------------------

def right_fields(text: str) -> list[tuple[str, str, str]]:
    """Each cloze field's right answer (the 100 % alternative) as Moodle's importer reads it: (mark, answer,
    tolerance), every field NUMERICAL."""
    out = []
    for kind, alternatives in moodle_cloze.subquestions(text):
        assert kind == "numerical"
        right = [a for a in alternatives if a.fraction == 1.0]
        assert len(right) == 1
        out.append(("1", right[0].answer, right[0].tolerance))
    return out


@pytest.fixture(scope="module")
def moodle(tmp_path_factory):
    out = tmp_path_factory.mktemp("moodle")
    assert cli.main(["variants", "ejercicio2", "-n", "20", "--seed", "3", "--format", "md,moodle",
                     "--out", str(out)]) == 0
    return out


def _sigma(z):
    return 1 / (1 + mpmath.exp(-z))


def _by_hand(a, b, c, d):
    """∂loss/∂(a, b, c, d) of the bundled Ejercicio 2, by the chain rule written out here."""
    m, n = 3 * a + 4 * b - 2 * c + 10 * d, 7 * a + b + c + 4 * d
    z = max(m, 0) - max(n, 0)
    dz = [(m > 0) * dm - (n > 0) * dn for dm, dn in ((3, 7), (4, 1), (-2, 1), (10, 4))]
    return [(1 - _sigma(mpmath.mpf(z))) * k for k in dz]


def test_moodle_bank_has_one_cloze_question_per_variant_with_right_answers_and_tolerances(moodle):
    root = ET.parse(moodle / "ejercicio2-moodle.xml").getroot()
    assert root.tag == "quiz"
    category, *questions = root.findall("question")
    assert category.get("type") == "category"
    assert category.find("category/text").text.startswith("$course$/top/")
    assert len(questions) == 20
    for number, q in enumerate(questions, 1):
        # what import_headers / import_multianswer read: a name, the question text with its format,
        # files with name, path and base64 content, the general feedback
        assert q.get("type") == "cloze" and q.find("name/text").text.strip()
        text = q.find("questiontext")
        assert text.get("format") == "html"
        html_text = text.find("text").text
        for f in text.findall("file"):
            assert f.get("name") and f.get("path") == "/" and f.get("encoding") == "base64"
            assert base64.b64decode(f.text).startswith(b"\x89PNG")
            assert f"@@PLUGINFILE@@/{f.get('name')}" in html_text
        assert q.find("generalfeedback").get("format") == "html" and len(q.find("generalfeedback/text").text) > 500
        assert "\\(" in html_text and "$" not in html_text.replace("$course$", "")
        fields = right_fields(html_text)
        assert len(fields) == 4 == html_text.count("{1:")
        values = tomllib.loads((moodle / f"ejercicio2-v{number:02d}.toml").read_text())["values"]
        for (_, answer, tolerance), expected in zip(fields, _by_hand(*(values[k] for k in "abcd"))):
            assert abs(mpmath.mpf(answer) - expected) <= 1e-9 * abs(expected)
            assert abs(mpmath.mpf(tolerance) - abs(expected) / 100) <= 1e-6 * abs(expected)


def test_moodle_bank_of_a_linear_system_asks_each_unknown(tmp_path):
    assert cli.main(["variants", "ejercicio3", "-n", "3", "--format", "md,moodle", "--out", str(tmp_path)]) == 0
    root = ET.parse(tmp_path / "ejercicio3-moodle.xml").getroot()
    questions = root.findall("question")[1:]
    assert len(questions) == 3
    for number, q in enumerate(questions, 1):
        data = tomllib.loads((tmp_path / f"ejercicio3-v{number}.toml").read_text())
        fields = right_fields(q.find("questiontext/text").text)
        assert len(fields) == len(data["unknowns"]) == 3
        assert q.find("questiontext/file") is None          # no graph for a linear system


def test_unknown_variants_format_is_a_located_error(tmp_path, capsys):
    assert cli.main(["variants", "ejercicio2", "--format", "md,gift", "--out", str(tmp_path), "--lang", "en"]) == 1
    assert "unknown format 'gift'" in capsys.readouterr().err


# -- the Python API -----------------------------------------------------------------------------------------

def test_api_gradients_match_sympy_and_the_json_of_the_command_line(capsys):
    import json

    import sympy as sp

    import derive

    ex = derive.Exercise(values={"x": 2, "w": "1/3"}, formulas={"y": "w·x", "L": "tanh(y)^2 + exp(x)"})
    got = ex.gradients().to_dict()["gradients"]
    x, w = sp.symbols("x w")
    L = sp.tanh(w * x) ** 2 + sp.exp(x)
    point = {x: 2, w: sp.Rational(1, 3)}
    for name, var in (("x", x), ("w", w)):
        assert sp.simplify(sp.sympify(got[name]["exact"]) - sp.diff(L, var).subs(point)) == 0
        assert abs(float(got[name]["decimal"]) - float(sp.diff(L, var).subs(point))) < 1e-12
    assert cli.main(["gradients", "ejercicio2", "--json"]) == 0
    from_cli = json.loads(capsys.readouterr().out)
    from_api = derive.Exercise.load("ejercicio2").to_dict()
    assert from_api["gradients"]["a"]["exact"] == from_cli["gradients"]["a"]["exact"]
    assert from_api["nodes"] == from_cli["nodes"]


def test_api_steps_display_themselves():
    import derive

    ex = derive.Exercise.load("ejercicio2")
    for step in ("statement", "forward", "graph", "local_derivatives", "backward", "gradients", "checks",
                 "diagnostics"):
        shown = ex.step(step, "es")
        assert shown._repr_markdown_().startswith("# ") and "<math" in shown._repr_html_()
    assert ex.graph()._repr_png_().startswith(b"\x89PNG")
    assert set(ex.backward().to_dict()) == {"adjoints"}
    assert "Ejercicio 2" in ex.report("es")._repr_markdown_()
    with pytest.raises(ValueError, match="steps:"):
        ex.step("nonsense")
    tensor = derive.Exercise.load("ejercicio5")                     # matrices: the local rules are the backward pass
    assert "W_{1}" in tensor.backward().markdown and "\\top" in tensor.backward().markdown
    assert tensor.local_derivatives().markdown == tensor.backward().markdown
    with pytest.raises(ValueError, match="no section"):
        ex.training()                                               # Ejercicio 2 takes no training step


def test_api_bad_formula_is_a_located_error_and_never_evaluated():
    import derive
    from derive.core.errors import DeriveError

    with pytest.raises(DeriveError) as caught:
        derive.Exercise(values={"x": 1}, formulas={"y": "__import__('os').system('true')"})
    # quotes are words for options (reduction='sum'); the first character no formula has is the attribute's dot
    assert str(caught.value).startswith("formulas['y']:17: error:") and "^" in str(caught.value)


def test_api_notebook_runs_alone_in_an_empty_folder(tmp_path):
    nbformat = pytest.importorskip("nbformat", reason="test extra: pip install '.[test]'")
    nbclient = pytest.importorskip("nbclient", reason="test extra: pip install '.[test]'")
    import derive

    alone = tmp_path / "empty"
    alone.mkdir()
    (alone / "ejercicio2-api.ipynb").write_text(derive.Exercise.load("ejercicio2").notebook("es"))
    nb = nbformat.read(alone / "ejercicio2-api.ipynb", as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) == 10                       # the exercise, eight steps, the numbers as data
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(alone)}}).execute()
    assert sorted(p.name for p in alone.iterdir()) == ["ejercicio2-api.ipynb"]
    for cell in code[1:-1]:
        data = cell.outputs[0]["data"]
        assert "text/markdown" in data and "text/html" in data, cell.source
    assert any("image/png" in o.get("data", {}) for c in code for o in c.outputs)      # the graph
    assert "-4.2122469430215249514609722190" in code[-1].outputs[0]["data"]["text/plain"]


# -- the command line in Spanish ------------------------------------------------------------------------------

SPANISH_EXERCISE = 'lang = "es"\n[values]\nx = 1\n[formulas]\ny = "log(x - 1) + {extra}"\n'


def test_check_on_a_spanish_exercise_speaks_spanish(capsys):
    assert cli.main(["check", "ejercicio2"]) == 1                     # lang = "es": saturation, ranges
    out = capsys.readouterr().out
    assert "aviso [saturation]" in out and "se redondea exactamente a 1.0" in out and "arreglo:" in out
    for english in ("warning", "fix:", "rounds to exactly", "choose values", "would be rejected"):
        assert english not in out
    assert cli.main(["check", "ejercicio2", "--lang", "en"]) == 1
    assert "warning [saturation]" in capsys.readouterr().out


def test_errors_follow_the_exercise_language_even_when_it_does_not_parse(tmp_path, capsys):
    bad = tmp_path / "malo.toml"
    bad.write_text(SPANISH_EXERCISE.format(extra="foo"), encoding="utf-8")
    assert cli.main(["gradients", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "error: en la fórmula 'y': nombre no definido 'foo'" in err and "^" in err
    bad.write_text(SPANISH_EXERCISE.format(extra="0"), encoding="utf-8")
    assert cli.main(["gradients", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "logaritmo de un número no positivo en el punto" in err and "pista: elige valores" in err
    assert cli.main(["gradients", str(bad), "--lang", "en"]) == 1
    assert "hint: choose values where every formula is defined" in capsys.readouterr().err
    bad.write_text('lang = "es"\n[values\n', encoding="utf-8")
    assert cli.main(["check", str(bad)]) == 1
    assert "error: TOML no válido" in capsys.readouterr().err


def test_locale_and_starter_comments(tmp_path, capsys, monkeypatch):
    from derive.apps.scaffold import STARTERS

    monkeypatch.setenv("LANG", "es_ES.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert cli.main(["check", str(tmp_path / "none.toml")]) == 1
    assert "no existe el archivo" in capsys.readouterr().err
    for kind in STARTERS:
        target = tmp_path / f"{kind}.toml"
        assert cli.main(["new", str(target), "--kind", kind]) == 0
        comments = [line.split("# ", 1)[1] for line in target.read_text().splitlines() if "# " in line]
        english = [c for c in comments if re.search(r"\b(the|and|optional|also|Try)\b", c)]
        assert comments and not english, english
        assert cli.main(["check", str(target)]) in (0, 1)


def test_gradients_text_in_spanish(capsys):
    assert cli.main(["gradients", "ejercicio2", "--exact-only"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Ejercicio 2: Cálculo del gradiente") and "Gradientes de loss:" in out
    assert "Paso hacia delante:" in out and "Forward pass" not in out
    assert cli.main(["gradients", "ejercicio2"]) == 0
    out = capsys.readouterr().out
    assert "veredicto" in out and "autograd coincide; las diferencias finitas no pueden resolverlo" in out
    assert "aviso [stable-rewrite]: log σ(z) = -softplus(-z)" in out and " gives " not in out


def test_variants_progress_is_quiet_when_piped(tmp_path, capsys):
    assert cli.main(["variants", "ejercicio2", "-n", "2", "--format", "md", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert err.startswith("2 variantes de ") and "\r" not in err


def test_progress_bar_draws_on_a_terminal_only():
    import io

    from derive.core.progress import bar

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    shown = Terminal()
    with bar(4, "variantes", shown) as update:
        for done in range(1, 5):
            update(done, 4)
    assert "variantes:" in shown.getvalue() and "/4" in shown.getvalue()
    with bar(4, "variantes", io.StringIO()) as update:
        assert update is None


def test_variants_of_a_tensor_exercise_ask_every_element(tmp_path):
    """dL/dW of L = sum((W x)^2) is 2 (W x) xᵀ: one Moodle field per element of W, checked by hand."""
    source = tmp_path / "tensor.toml"
    source.write_text('kind = "gradient"\n[values]\nW = { min = -3, max = 3, shape = [2, 2], '
                      'default = [[1, 2], [0, 1]] }\nx = [1, 2]\n[formulas]\nh = "W @ x"\nL = "sum(h^2)"\n'
                      '[gradient]\nof = "L"\nwrt = ["W"]\n', encoding="utf-8")
    assert cli.main(["variants", str(source), "-n", "3", "--format", "md,moodle", "--out", str(tmp_path / "out")]) == 0
    questions = ET.parse(tmp_path / "out" / "tensor-moodle.xml").getroot().findall("question")[1:]
    assert len(questions) == 3
    for number, q in enumerate(questions, 1):
        W = tomllib.loads((tmp_path / "out" / f"tensor-v{number}.toml").read_text())["values"]["W"]
        h = [W[i][0] * 1 + W[i][1] * 2 for i in range(2)]
        expected = [2 * h[i] * xj for i in range(2) for xj in (1, 2)]
        fields = right_fields(q.find("questiontext/text").text)
        assert [float(answer) for _, answer, _ in fields] == expected
    key = (tmp_path / "out" / "tensor-key.md").read_text()
    assert key.count("\\begin{pmatrix}") == 6          # W drawn and dL/dW, each a 2 × 2 matrix, per variant


def test_solve_and_bench_text_in_spanish(capsys):
    assert cli.main(["solve", "ejercicio3"]) == 0                       # lang = "es"
    out = capsys.readouterr().out
    assert "rango A = 3, rango [A|b] = 3: una solución" in out and "exacta: x = 2, y = -1, z = 1" in out
    assert "método" in out and "el paso fijo más rápido" in out and "diverge" in out
    for english in ("one solution", "condition number", "iterations", "the fastest fixed step"):
        assert english not in out
    assert cli.main(["solve", "ejercicio3", "--lang", "en"]) == 0
    assert "rank A = 3, rank [A|b] = 3: one solution" in capsys.readouterr().out
    assert cli.main(["bench", "--sizes", "32", "--repeats", "3", "--lang", "es"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("dispositivo") and "sin medir" in out and "hilos" in out and "threads" not in out


def test_every_key_a_message_names_is_in_the_catalog_with_its_placeholders():
    """Msg("key", name=...) everywhere in derive's source: the key exists and its values are the sentence's
    {placeholders} (a sentence with LaTeX braces, \\frac{a}{b}, may leave those unfilled)."""
    import ast

    from derive.core.i18n import CATALOGS, placeholders

    for path, node in _calls("Msg"):
        key = node.args[0]
        keys = [key] if isinstance(key, ast.Constant) else [key.body, key.orelse] if isinstance(key, ast.IfExp) else []
        if not all(isinstance(k, ast.Constant) for k in keys) or not keys:
            assert path.name in ("lint.py", "variants.py", "i18n.py", "errors.py", "exercise.py", "mistakes.py"), \
                f"{path.name}:{node.lineno}: a computed key"
            continue
        for key in (k.value for k in keys):
            assert key in CATALOGS["en"], f"{path.name}:{node.lineno}: no entry {key!r}"
            if any(k.arg is None for k in node.keywords):      # **values: checked when it is said (KeyError)
                continue
            given, holes = {k.arg for k in node.keywords}, placeholders(CATALOGS["en"][key])
            assert given <= holes, f"{path.name}:{node.lineno}: {key} has no {sorted(given - holes)}"
            assert given == holes or "\\" in CATALOGS["en"][key], \
                f"{path.name}:{node.lineno}: {key} needs {sorted(holes - given)}"


def test_spanish_errors_of_the_exercise_file(tmp_path, capsys):
    bad = tmp_path / "malo.toml"
    for body, spanish in (('[values]\nx = 1\n[formulas]\ny = "x"\n[gradient]\nfoo = 1', "clave desconocida 'foo'"),
                          ('[values]\n1x = 1\n[formulas]\ny = "x"', "no es un nombre válido"),
                          ('[values]\nx = 1\n[formulas]\ny = 3', "debe ser un texto"),
                          ('[values]\nx = 1\n[formulas]\ny = "sqrt(-1)"', "esto no es un número real")):
        bad.write_text('lang = "es"\n' + body + "\n", encoding="utf-8")
        assert cli.main(["check", str(bad)]) == 1
        err = capsys.readouterr().err
        assert spanish in err and "Traceback" not in err, err


def _calls(*names):
    """Every call of one of `names` (a function or a method) in derive's source, with its file."""
    import ast
    from pathlib import Path

    import derive

    for path in sorted(Path(derive.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) \
                    in names and node.args:
                yield path, node


def test_every_message_is_raised_by_its_key():
    """No message or hint is written as English text at a raise site: each is a Msg (a catalog key and its
    values), said in the reader's language where it is shown. Diagnostics and check problems the same."""
    import ast

    def text(node) -> bool:
        return isinstance(node, ast.JoinedStr) or isinstance(node, ast.Constant) and isinstance(node.value, str) \
            or isinstance(node, ast.BinOp) and (text(node.left) or text(node.right)) \
            or isinstance(node, ast.Subscript) and text(node.value)         # f"..."[:200]

    # the call, and which positional arguments and keywords are sentences a reader sees
    said = {"DeriveError": ((0, 2), ("hint",)), "error": ((0, 2), ("hint",)), "_error": ((0, 3), ("hint",)),
            "ShapeError": ((0,), ()), "TooLarge": ((0,), ()), "Domain": ((0,), ()), "Diagnostic": ((2,), ()),
            "Problem": ((2, 3), ())}
    found = []
    for path, node in _calls(*said):
        positions, keywords = said[getattr(node.func, "id", None) or node.func.attr]
        if path.name == "system.py" and getattr(node.func, "id", None) == "_error":
            positions = (2, 4)                      # _error(source, text, message, column, hint)
        args = [node.args[i] for i in positions if i < len(node.args)] + \
            [k.value for k in node.keywords if k.arg in keywords]
        found += [f"{path.name}:{a.lineno}" for a in args if text(a)]
    assert not found, found


@pytest.mark.skipif(CHROMIUM is None, reason=WHY)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_student_sheet_with_matrices_and_a_step_renders_in_chromium(tmp_path, lang):
    """Ejercicio 6's sheet (matrices, blanks shaped like them, the training step) at a phone's width: no math
    error, no vector at script size, no TeX as text, nothing wider than the screen."""
    assert cli.main(["report", "ejercicio6", "--for", "student", "--format", "html", "--lang", lang,
                     "--out", str(tmp_path / "out")]) == 0
    seen = inspect(tmp_path / "out" / lang / "ejercicio6-student.html", tmp_path)
    assert seen["broken"] == [] and seen["merror"] == 0 and seen["blank_math"] == 0
    assert seen["small_matrices"] == 0 and seen["tex_text"] == 0 and seen["overflow"] <= 0
