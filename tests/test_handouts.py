"""Hand-outs as a teacher prints and imports them: names written as their symbols, Moodle labels that are valid
TeX (KaTeX in strict mode), and no numerical field whose tolerance is 0."""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import mpmath
from test_classroom import right_fields
import pytest

from derive.apps import cli
from derive.core.latex import name

ROOT = Path(__file__).resolve().parents[1]
KATEX = ROOT / ".ci" / "npm" / "node_modules" / "katex"


def katex_errors(fragments: list[str]) -> list:
    done = subprocess.run(["node", str(ROOT / "tests" / "katex_check.js")],
                          input=json.dumps([[f, False] for f in fragments]), capture_output=True, text=True, check=True)
    return [(f, e) for f, e in zip(fragments, json.loads(done.stdout)) if e]


@pytest.mark.parametrize("quantity, tex", [("λ", r"\lambda "), ("Λ", r"\Lambda "), ("ŷ", r"\hat{y}"),
                                           ("α1", r"\alpha _{1}"), ("θ_0", r"\theta _{0}"), ("η", r"\eta ")])
def test_unicode_names_are_written_as_their_symbols(quantity, tex):
    """Unicode spells λ LAMDA: it was printed as \\mathrm{u03bb}."""
    assert name(quantity) == tex


def test_a_lambda_regulariser_reads_as_lambda_in_every_format(tmp_path, capsys):
    path = tmp_path / "reg.toml"
    path.write_text('kind = "gradient"\n[values]\nw = [0.5, -1]\n"λ" = 0.1\nx = [1, 2]\n[formulas]\n'
                    'reg = "λ sum(w^2)"\nloss = "(w · x)^2 + reg"\n[gradient]\nwrt = ["w"]\n', encoding="utf-8")
    assert cli.main(["report", str(path), "--out", str(tmp_path / "o"), "--format", "md,tex,html", "--lang", "en"]) \
        == 0, capsys.readouterr().err
    for suffix in ("md", "tex", "html"):
        text = (tmp_path / "o" / "en" / f"reg.{suffix}").read_text(encoding="utf-8")
        assert "u03bb" not in text, suffix
    assert r"\lambda" in (tmp_path / "o" / "en" / "reg.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def network_bank(tmp_path_factory):
    """A one-layer network whose weight is named W1 (a subscripted name, asked element by element) and whose
    gradient has an element that is exactly 0 at every draw (x[1] = 0)."""
    out = tmp_path_factory.mktemp("bank")
    path = out / "net.toml"
    path.write_text('kind = "gradient"\n[values]\nW1 = { min = 1, max = 3, shape = [2, 2], default = [[1, 2], [3, 1]] }\n'
                    'x = [1, 0]\n[formulas]\nh = "W1 @ x"\nL = "sum(h^2)"\n[gradient]\nwrt = ["W1"]\n'
                    "[variants]\nallow_zero_gradient = true\n", encoding="utf-8")
    assert cli.main(["variants", str(path), "-n", "3", "--seed", "2", "--format", "md,moodle", "--out",
                     str(out / "o"), "--lang", "en"]) == 0
    return ET.parse(out / "o" / "net-moodle.xml").getroot()


def test_moodle_labels_have_no_double_subscript(network_bank):
    texts = [q.find("questiontext/text").text for q in network_bank.findall("question")[1:]]
    labels = [label for text in texts for label in re.findall(r"<li>\\\((.*?)\\\) = \{1:", text)]
    assert len(labels) == 12
    assert all("W_{1}_" not in label and "{W_{1}}_{" in label for label in labels), labels[:2]
    if shutil.which("node") and KATEX.exists():
        assert not katex_errors(labels)


def test_an_answer_of_exactly_zero_has_a_tolerance_that_is_not_zero(network_bank):
    for q in network_bank.findall("question")[1:]:
        text = q.find("questiontext/text").text
        fields = [(mpmath.mpf(a), mpmath.mpf(t)) for _, a, t in right_fields(text)]
        assert any(a == 0 for a, _ in fields) and all(t > 0 for _, t in fields)
        largest = max(abs(a) for a, _ in fields)
        for answer, tolerance in fields:
            assert tolerance == pytest.approx(max(abs(answer) / 100, largest / 100 * 1e-3), rel=1e-6)
        floor = mpmath.mpf(re.search(r"or within ([-0-9.e]+) of it", text).group(1))
        assert floor == pytest.approx(largest / 100 * 1e-3, rel=1e-6)


ARITY = {"msup": 2, "msub": 2, "mfrac": 2, "mover": 2, "munder": 2, "msubsup": 3, "mroot": 2}


def mathml_problems(page: str) -> list[str]:
    """What MathML Core would draw wrong in a page: a script or fraction element without exactly its children
    (latex2mathml's four-child msup drew every vector at script size), and TeX left as text."""
    problems = []
    for math in re.findall(r"<math\b.*?</math>", page, re.S):
        root = ET.fromstring(math.replace("&nbsp;", " "))
        for element in root.iter():
            tag = element.tag.split("}")[-1]
            if tag in ARITY and len(element) != ARITY[tag]:
                problems.append(f"<{tag}> with {len(element)} children")
        text = "".join(root.itertext())
        found = re.search(r".{0,20}\\[A-Za-z]+.{0,20}", text)
        if found:
            problems.append("TeX as text: " + found.group())
    return problems


def test_vectors_and_training_rows_are_valid_mathml(tmp_path):
    """A column vector (…)ᵀ and a training step's rows, as the HTML page writes them."""
    from derive.outputs.report.mathml import mathml

    vector = mathml(r"\bar{w} = \begin{pmatrix} 0.5 & -1 \end{pmatrix}^{\top}", display=True)
    rows = mathml(r"\begin{aligned} w &\leftarrow w - \eta \bar{w} \cr &= 3 \end{aligned}", display=True)
    assert not mathml_problems(vector) and not mathml_problems(rows)
    assert "<mtr>" in rows and rows.count("<mtr>") == 2


@pytest.mark.parametrize("page", sorted((ROOT / "reports").glob("*/*.html")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_pages_have_valid_mathml_and_no_tex_as_text(page):
    problems = mathml_problems(page.read_text(encoding="utf-8"))
    assert not problems, problems[:5]


def test_reporting_twice_writes_the_same_files(tmp_path, capsys):
    """README's first command twice leaves the committed tree as it was: Ejercicio 1 shows its stored
    measurements (derive/exercises/ejercicio1.bench.json) instead of timing this machine again, and says so;
    everything else is computed, byte for byte the same."""
    written = []
    for run in ("first", "second"):
        out = tmp_path / run
        assert cli.main(["report", "ejercicio1", "ejercicio2", "--out", str(out), "--format", "md,ipynb,html",
                         "--lang", "all"]) == 0, capsys.readouterr().err
        written.append({str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert written[0].keys() == written[1].keys() and len(written[0]) > 10
    changed = [name for name in written[0] if written[0][name] != written[1][name]]
    assert not changed, changed
    md = written[0]["es/ejercicio1.md"].decode()
    assert "ejercicio1.bench.json" in md and "--measure" in md


def test_measure_times_this_machine_again(tmp_path, capsys):
    assert cli.main(["report", "ejercicio1", "--out", str(tmp_path), "--format", "md", "--lang", "en",
                     "--measure"]) == 0, capsys.readouterr().err
    assert "bench.json" not in (tmp_path / "en" / "ejercicio1.md").read_text()


NETWORK = '''title = "A 2-2-2 network"
kind = "gradient"
[values]
X = [[1.0, -2.0]]
W1 = { min = -2, max = 2, step = 0.5, shape = [2, 2], default = [[1, 1], [-0.5, 1.5]] }
b1 = { min = -2, max = 1, step = 0.5, shape = [2], default = [0, -1] }
W2 = { min = -2, max = 2, step = 0.5, shape = [2, 2], default = [[1, -1], [0.5, 2]] }
b2 = [0.0, 0.0]
y = [1]
[formulas]
h = "relu(X @ W1 + b1)"
z = "h @ W2 + b2"
L = "cross_entropy(z, y)"
[gradient]
of = "L"
wrt = ["W1", "b1", "W2", "b2"]
[step]
learning_rate = 0.1
'''


def test_a_relu_network_with_a_dead_unit_gets_ten_fair_variants_with_its_step(tmp_path, capsys):
    """The second hidden unit is dead at the file's point (its column of dL/dW1 is 0): a dead unit is part of the
    exercise, so variants keep it dead (same branches) and its zeros are no reason to refuse a draw. Every variant
    carries the training step, and none has a whole gradient 0 or every element below 1e-6 of the loss."""
    import tomllib

    from derive.engine import derive
    from derive.model.exercise import load

    path = tmp_path / "net.toml"
    path.write_text(NETWORK, encoding="utf-8")
    assert cli.main(["variants", str(path), "-n", "10", "--seed", "1", "--out", str(tmp_path / "o"), "--format",
                     "md", "--lang", "en"]) == 0, capsys.readouterr().err
    files = sorted((tmp_path / "o").glob("net-v*.toml"))
    assert len(files) == 10
    for f in files:
        assert tomllib.loads(f.read_text(encoding="utf-8"))["step"]["learning_rate"] == 0.1
        d = derive(load(f))
        loss = abs(float(d.nodes["L"].value))
        for x in ("W1", "b1", "W2", "b2"):
            values = [float(v) for v in d.gradients[x].value.flat]
            assert any(v != 0 for v in values) and max(abs(v) for v in values) >= 1e-6 * max(1.0, loss), (f, x)
        assert all(float(v) == 0 for v in d.gradients["W1"].value[:, 1])       # the dead unit stays dead


def test_the_most_common_refusal_gets_a_hint_that_changes_it():
    """When too few draws pass, the hint answers the most common refusal (README promised 'every gradient 0'
    while any zero element refused a draw, and the hint said to widen the ranges, which did not help)."""
    from derive.apps import variants
    from derive.core.errors import DeriveError
    from derive.model.exercise import load

    ex = load("ejercicio2")
    for rejected, words in (({"another branch": 9, "kink": 1}, "same_branches = false"),
                            ({"zero element": 5}, "allow_zero_gradient = true"),
                            ({"kink": 7, "zero gradient": 2}, "ties rare"),
                            ({"saturation": 3}, "widen the ranges")):
        with pytest.raises(DeriveError) as e:
            variants._enough_tried(ex, 10, [], {}, rejected, attempts=10, lim={"max_attempts": 1})
        assert words in str(e.value.hint), (rejected, e.value.hint)


def test_a_value_beside_an_integer_shows_its_difference():
    """1 + e^{-46} is the step of the seed that matters (σ(46) rounds to 1 in float64): with 15 digits it was
    written 1.00000000000000. Any decimal the shown digits would round to an integer shows its difference, where
    that difference is within the digits derive guarantees."""
    from derive.outputs.report.mathtex import number

    with mpmath.workdps(60):
        assert number(1 + mpmath.exp(-46), 15) == r"1 + 1.05 \times 10^{-20}"
        assert number(1 - mpmath.exp(-46), 15) == r"1 - 1.05 \times 10^{-20}"
        assert number(mpmath.mpf(1) + mpmath.mpf("1e-40"), 15) == "1.00000000000000"      # beyond 28 digits
        assert number(mpmath.mpf("3.00000000040267"), 15) == "3.00000000040267"           # the digits show it
        assert number(mpmath.mpf(7), 15) == "7"
        assert number(mpmath.nan, 15) == number(mpmath.nan, 30)                 # undefined stays as it was
        assert number(mpmath.inf, 15) == number(mpmath.inf, 30)


def test_the_seed_report_writes_the_reciprocal_of_sigma_46_beside_1(tmp_path, capsys):
    assert cli.main(["report", "ejercicio2", "--out", str(tmp_path), "--format", "md", "--lang", "es"]) == 0
    md = (tmp_path / "es" / "ejercicio2.md").read_text(encoding="utf-8")
    assert r"e^{-46} + 1 \approx 1 + 1.05 \times 10^{-20}" in md and r"\approx 1.00000000000000 " not in md


# -- paper: nothing runs past the margin ----------------------------------------------------------------------

def _overfull(tex_source: str, folder: Path, name: str) -> list[float]:
    """Compile one LaTeX document with pdflatex and read, from its log, how far each line runs past the margin."""
    (folder / f"{name}.tex").write_text(tex_source, encoding="utf-8")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"], cwd=folder,
                   capture_output=True, timeout=300)
    assert (folder / f"{name}.pdf").exists(), (folder / f"{name}.log").read_text(errors="replace")[-2000:]
    log = (folder / f"{name}.log").read_text(errors="replace")
    return [float(w) for w in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide", log)]


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no TeX engine on this machine")
@pytest.mark.parametrize("lang", ["en", "es"])
def test_variant_sheets_and_keys_fit_the_page(tmp_path, lang):
    """The students' sheet, the answers with their table of common wrong answers, and the short key of a 2-2-2
    network with a step (matrices as matrices, the key split into tables that fit): no line past the margin by
    more than 1 pt, read from pdflatex's own log."""
    from derive.apps import variants
    from derive.model.exercise import load

    path = tmp_path / "net.toml"
    path.write_text(NETWORK, encoding="utf-8")
    ex = load(path)
    chosen, _ = variants.draw(ex, 3, 1, lang, workers=1)
    _, latex = variants.documents(chosen, ex, lang, 1)
    assert set(latex) == {"net-students.tex", "net-answers.tex", "net-key.tex"}
    for name, source in latex.items():
        assert max(_overfull(source, tmp_path, name[:-4]), default=0) <= 1.0, name


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no TeX engine on this machine")
@pytest.mark.parametrize("tex", sorted(p for p in (ROOT / "reports").glob("*/*.tex") if not p.name.endswith(".tikz.tex")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_reports_fit_the_page(tmp_path, tex):
    for figure in tex.parent.glob(f"{tex.stem}.*.pdf"):
        shutil.copy(figure, tmp_path)
    assert max(_overfull(tex.read_text(encoding="utf-8"), tmp_path, tex.stem), default=0) <= 1.0


def test_the_reserved_names_are_all_listed_in_the_docs():
    from derive.core.ops import FUNCTIONS

    docs = (ROOT / "docs" / "files.md").read_text(encoding="utf-8")
    listed = docs[docs.index("**Function names.**"):].split("\n\n")[0]
    assert all(f"`{name}`" in listed for name in FUNCTIONS if not name.startswith("\\")), \
        [name for name in FUNCTIONS if f"`{name}`" not in listed and not name.startswith("\\")]


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("number", [2, 4, 5, 6])
def test_the_graph_is_described_in_words_for_a_screen_reader(lang, number):
    """The graph's alt text names the target, every node with its value and every arrow (from the exercise's
    own names), never an empty place where a math name was."""
    import tomllib

    page = (ROOT / "reports" / lang / f"ejercicio{number}.html").read_text(encoding="utf-8")
    alt = re.search(r'<img [^>]*alt="([^"]*)"', page).group(1)
    data = tomllib.loads((ROOT / "derive" / "exercises" / f"ejercicio{number}.toml").read_text(encoding="utf-8"))
    for name in list(data["values"]) + list(data["formulas"]):
        assert f"{name} " in alt, name
    assert " de ." not in alt and " of ." not in alt and alt.count("→") >= len(data["formulas"])


def test_the_moodle_bank_asks_the_training_step_checked_by_torch(tmp_path, capsys):
    """A network with a step: after its gradient, each question asks every parameter after one SGD step, labelled
    W′ and keyed as torch's autograd and the update w - η ∂L/∂w give it from the variant's own values."""
    import tomllib

    import torch

    path = tmp_path / "net.toml"
    path.write_text(NETWORK, encoding="utf-8")
    assert cli.main(["variants", str(path), "-n", "2", "--seed", "3", "--format", "md,moodle", "--workers", "1",
                     "--out", str(tmp_path / "o"), "--lang", "en"]) == 0, capsys.readouterr().err
    root = ET.parse(tmp_path / "o" / "net-moodle.xml").getroot()
    for number, q in enumerate(root.findall("question")[1:], 1):
        text = q.find("questiontext/text").text
        values = tomllib.loads((tmp_path / "o" / f"net-v{number}.toml").read_text(encoding="utf-8"))["values"]
        p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=k in ("W1", "b1", "W2", "b2"))
             for k, v in values.items() if k != "y"}
        h = torch.relu(p["X"] @ p["W1"] + p["b1"])
        loss = torch.nn.functional.cross_entropy(h @ p["W2"] + p["b2"], torch.tensor(values["y"]))
        loss.backward()
        after = [float(v) for k in ("W1", "b1", "W2", "b2") for v in (p[k] - 0.1 * p[k].grad).detach().flatten()]
        fields = right_fields(text)
        assert len(fields) == 2 * len(after)                       # the gradient, then the parameters after
        for (_, answer, _), expected in zip(fields[len(after):], after):
            assert abs(float(answer) - expected) <= 1e-9 * max(1.0, abs(expected))
        labels = re.findall(r"<li>\\\((.*?)\\\) = \{1:", text)
        assert html.unescape(labels[len(after)]) == "{W_{1}}'_{0,0}"
        if shutil.which("node") and KATEX.exists():
            assert not katex_errors([html.unescape(label) for label in labels])


@pytest.mark.parametrize("page", sorted((ROOT / "reports").glob("*/*.html")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_pages_have_their_headings_in_order(page):
    """One h1, and no level skipped on the way down (WCAG 2.1: a screen reader's outline of the page)."""
    levels = [int(x) for x in re.findall(r"<h([1-6])[ >]", page.read_text(encoding="utf-8"))]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels
