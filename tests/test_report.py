"""The report: golden files, math that KaTeX renders, LaTeX that compiles, notebooks that run, output discipline."""
from __future__ import annotations

import json
import re
import tomllib
import shutil
import subprocess
from pathlib import Path

import mpmath
import pytest

from derive.apps import cli
from derive.core.i18n import CATALOGS, LANGS, placeholders

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "reports"
KATEX = ROOT / ".ci" / "npm" / "node_modules" / "katex"
TEXT_SUFFIXES = (".md", ".tex", ".ipynb", ".dot", ".mmd")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    """The bundled exercises reported again (both languages, md, tex, ipynb), as `reports/` holds them."""
    out = tmp_path_factory.mktemp("reports")
    assert cli.main(["report", "--out", str(out), "--format", "md,tex,ipynb"]) == 0
    return out


# -- golden files --------------------------------------------------------------------------------

_TIME = re.compile(r"\d+(?:\.\d+)?\s*(?:ms|µs|ns|s|\$\\mu\$s)(?![\w])")
_CUDA = re.compile(r"((?:Not measured|Sin medir) — cuda:).*?(?=\.?(?:\\n|\"|$))")
_BENCH_ROW = re.compile(r"^(\| (?:cpu|cuda|mps) \| \w+ \| \d+ \|| ?(?:cpu|cuda|mps) & \w+ & \d+ &).*$")


_TENSOR_CHECK_ROW = re.compile(r"\(\d+ FD\)")                       # a tensor's row of the checks table:
_TENSOR_ERRORS = re.compile(r"\d(?:\.\d+)? \\times 10\^\{-\d+\}")   # its columns are relative errors
_RELATIVE_ERROR = re.compile(r"\(\d\.\de[+-]\d+\)")                    # a scalar row's, in parentheses


def scrub(text: str) -> str:
    """Timings, throughput and the machine's description, which differ from run to run; and the rounding errors
    of torch's float64/float32 checks, which differ with the CPU's kernels (a matrix product's summation order),
    the thread count and the torch version (the checks' verdicts stay)."""
    out, skipping = [], False
    for line in text.splitlines():
        if re.search(r"2\. (Where it ran|Dónde se ejecutó)", line):
            out.append(line)
            skipping = True
            continue
        if skipping and re.search(r"3\. (Results|Resultados)", line):
            skipping = False
        if skipping:
            continue
        if re.search(r"DISTURBED|PERTURBAD|disturbed|perturbad|quiet machine|máquina en reposo|scheduler, not the"
                     r"|planificador, no al", line):
            continue                      # the machine's load during the run (README: bench under load)
        if _TENSOR_CHECK_ROW.search(line):
            line = _TENSOR_ERRORS.sub("<rounding error>", line)
        line = _RELATIVE_ERROR.sub("(<rounding error>)", line)
        line = _BENCH_ROW.sub(r"\1 <measurements>", line)
        line = _CUDA.sub(r"\1 <why this torch has no GPU here>", line)     # CPU wheel, CUDA wheel without a GPU
        line = _TIME.sub("<time>", line)
        if "GHz" in line or "GFLOP/s" in line and "peak" in line.lower():
            line = "<cpu peak>"
        out.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out))           # a dropped sentence leaves no extra blank line


def _comparable(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        cells = json.loads(text)["cells"]
        text = "\n".join(c["cell_type"] + ":\n" + "".join(c["source"]) for c in cells)
    return scrub(text)


def test_committed_reports_match_a_fresh_run(fresh):
    """reports/ is what `python -m derive report` writes today (timings and machine scrubbed)."""
    produced = sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.suffix in TEXT_SUFFIXES)
    assert produced, "the report wrote no text files"
    for rel in produced:
        committed = REPORTS / rel
        assert committed.exists(), f"reports/{rel} is not committed: run `python -m derive report`"
        assert _comparable(committed) == _comparable(fresh / rel), \
            f"reports/{rel} differs from a fresh run: run `python -m derive report` and review the diff"


def test_committed_reports_have_every_format_and_figure():
    for lang in LANGS:
        for stem in ("ejercicio1", "ejercicio2", "ejercicio3", "ejercicio4", "ejercicio5"):
            for suffix in (".md", ".tex", ".ipynb", ".pdf", ".html"):
                assert (REPORTS / lang / f"{stem}{suffix}").exists(), f"{lang}/{stem}{suffix}"
        for figure in ("ejercicio2.graph.png", "ejercicio2.graph.svg", "ejercicio2.steps.png",
                       "ejercicio3.convergence.png", "ejercicio1.gflops.png"):
            assert (REPORTS / lang / figure).stat().st_size > 5000


# -- what the report says ------------------------------------------------------------------------

def _decimal(value, digits=30) -> str:
    with mpmath.workdps(digits + 10):
        mantissa, exponent = mpmath.nstr(value, digits, strip_zeros=False, min_fixed=1, max_fixed=0).split("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}"


def test_seed_report_states_independently_computed_numbers(fresh):
    """The forward value of loss and the four gradients, recomputed here with mpmath from the
    formulas by hand: loss = log σ(46), d loss/d x = (1 − σ(46)) · (∂m/∂x − ∂n/∂x)."""
    md = (fresh / "en" / "ejercicio2.md").read_text()
    with mpmath.workdps(60):
        sigma = 1 / (1 + mpmath.exp(-46))
        assert _decimal(mpmath.log(sigma)) in md
        for dm, dn in ((3, 7), (4, 1), (-2, 1), (10, 4)):
            assert _decimal((1 - sigma) * (dm - dn)) in md
    assert "= 90" in md and "= 44" in md and "= 46" in md
    for fragment in ("rounds to exactly $1$", "prints as 0.0", "logsigmoid"):
        assert fragment in md


def test_linear_system_report_gives_the_exact_answer_and_cg_in_three(fresh):
    md = (fresh / "en" / "ejercicio3.md").read_text()
    assert "$$\nx = 2, \\quad y = -1, \\quad z = 1\n$$" in md
    assert re.search(r"\| conjugate gradient \| — \| 3 \|", md)
    es = (fresh / "es" / "ejercicio3.md").read_text()
    assert "| gradiente conjugado | — | 3 |" in es


def test_benchmark_report_says_what_ran_where(fresh):
    import torch

    md = (fresh / "en" / "ejercicio1.md").read_text()
    if not torch.cuda.is_available():
        assert "No GPU was available: every timing in this report is a CPU timing" in md
        assert "Not measured — cuda:" in md
        assert "| cuda |" not in md
        assert "No había GPU disponible" in (fresh / "es" / "ejercicio1.md").read_text()


def test_spanish_reports_have_no_english_sentences(fresh):
    en, es = CATALOGS["en"], CATALOGS["es"]
    english = {en[k] for k in en if en[k] != es[k] and len(en[k]) > 12}
    for path in (fresh / "es").glob("*.md"):
        text = path.read_text()
        leaked = [s for s in english if "{" not in s and "$" not in s and s in text]
        assert not leaked, f"{path.name}: {leaked[:3]}"


def test_every_key_exists_in_every_catalog_with_the_same_placeholders():
    """One catalog per language (derive/core/locale/*.toml, read back by tomllib here): the same keys, each
    sentence non-empty (the joiners ", " aside) with the same {placeholders}, $ and ` paired."""
    from importlib.resources import files

    catalogs = {lang: tomllib.loads((files("derive.core") / "locale" / f"{lang}.toml").read_text(encoding="utf-8"))
                for lang in LANGS}
    assert catalogs == CATALOGS
    keys = [set(c) for c in catalogs.values()]
    assert all(k == keys[0] for k in keys), [sorted(k ^ keys[0]) for k in keys]
    for key in keys[0]:
        sentences = [catalogs[lang][key] for lang in LANGS]
        assert all(s.strip() or key.startswith("list_") for s in sentences), key
        assert all(placeholders(s) == placeholders(sentences[0]) for s in sentences), key
        assert all(s.count("$") % 2 == 0 and s.count("`") % 2 == 0 for s in sentences), key


# -- the math renders ----------------------------------------------------------------------------

def _math_fragments(md: str) -> list[tuple[str, bool]]:
    md = re.sub(r"```.*?```", "", md, flags=re.S)
    display = re.findall(r"^\$\$\n(.*?)\n\$\$$", md, flags=re.S | re.M)
    rest = re.sub(r"^\$\$\n.*?\n\$\$$", "", md, flags=re.S | re.M)
    inline = re.findall(r"(?<![\\$])\$([^$\n]+?)(?<!\\)\$", rest)
    return [(d, True) for d in display] + [(i, False) for i in inline]


def test_markdown_math_is_portable(fresh):
    """GitHub strips the backslash of \\\\ and \\{ in math: the Markdown uses \\cr and \\lbrace instead."""
    for path in fresh.rglob("*.md"):
        for tex, _ in _math_fragments(path.read_text()):
            assert "\\\\" not in tex and "\\{" not in tex and "\\}" not in tex, (path.name, tex)


@pytest.mark.skipif(not shutil.which("node") or not KATEX.exists(),
                    reason="needs node and KaTeX (.ci/run installs them: npm install --prefix .ci/npm katex)")
def test_every_math_fragment_renders_in_katex(fresh):
    fragments = sorted({f for path in sorted(fresh.rglob("*.md")) for f in _math_fragments(path.read_text())})
    assert len(fragments) > 100
    done = subprocess.run(["node", str(ROOT / "tests" / "katex_check.js")], input=json.dumps(fragments),
                          capture_output=True, text=True, check=True)
    errors = [(tex, e) for (tex, _), e in zip(fragments, json.loads(done.stdout)) if e]
    assert not errors, errors[:3]


def test_katex_check_catches_bad_math():
    if not shutil.which("node") or not KATEX.exists():
        pytest.skip("needs node and KaTeX (.ci/run installs them)")
    done = subprocess.run(["node", str(ROOT / "tests" / "katex_check.js")],
                          input=json.dumps([["\\frac{1}{", True], ["\\unknownmacro x", False], ["x^2", False]]),
                          capture_output=True, text=True, check=True)
    errors = json.loads(done.stdout)
    assert errors[0] and errors[1] and errors[2] is None


# -- LaTeX and notebooks -------------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("latexmk") is None or shutil.which("pdflatex") is None,
                    reason="needs latexmk and pdflatex (.ci/run installs texlive-latex-base, -recommended, latexmk)")
def test_latex_documents_compile(tmp_path):
    assert cli.main(["report", "--out", str(tmp_path), "--format", "tex,pdf", "--lang", "es"]) == 0
    for stem in ("ejercicio1", "ejercicio2", "ejercicio3"):
        pdf = tmp_path / "es" / f"{stem}.pdf"
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000
    assert not list(tmp_path.rglob("*.aux")) and not list(tmp_path.rglob("*.log"))


@pytest.mark.skipif(shutil.which("latexmk") is None or shutil.which("pdflatex") is None,
                    reason="needs latexmk and pdflatex (.ci/run installs texlive-latex-base, -recommended, latexmk)")
def test_an_unchanged_pdf_is_not_compiled_again(tmp_path, monkeypatch):
    """A second report into the same folder copies each PDF whose .tex and figures are unchanged; a changed
    exercise, or a .tex replaced alone by a later `--format tex` run, is compiled again."""
    import derive.outputs.report.write as write

    compiled = []
    real = write.compile_pdf
    monkeypatch.setattr(write, "compile_pdf", lambda tex, engine, **k: compiled.append(tex.name) or real(tex, engine))
    source = tmp_path / "ex.toml"
    source.write_text('kind = "gradient"\n[values]\nx = 2\n[formulas]\ny = "x^2 + 1"\n')
    out = tmp_path / "out"
    args = ["report", str(source), "--out", str(out), "--format", "tex,pdf", "--lang", "en"]
    assert cli.main(args) == 0 and compiled == ["ex.tex"]
    first = (out / "en" / "ex.pdf").read_bytes()
    assert cli.main(args) == 0 and compiled == ["ex.tex"]                  # copied, not compiled
    assert (out / "en" / "ex.pdf").read_bytes() == first
    source.write_text('kind = "gradient"\n[values]\nx = 3\n[formulas]\ny = "x^2 + 1"\n')
    assert cli.main(args) == 0 and compiled == ["ex.tex"] * 2               # the point changed
    assert (out / "en" / "ex.pdf").read_bytes() != first
    source.write_text('kind = "gradient"\n[values]\nx = 4\n[formulas]\ny = "x^2 + 1"\n')
    assert cli.main(args[:-4] + ["--format", "tex", "--lang", "en"]) == 0    # the .tex alone, PDF now stale
    assert cli.main(args) == 0 and compiled == ["ex.tex"] * 3


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
def test_tikz_export_compiles(fresh, tmp_path):
    if subprocess.run(["kpsewhich", "tikz.sty"], capture_output=True, text=True).stdout.strip() == "":
        pytest.skip("TikZ is not installed (Debian: texlive-pictures)")
    source = fresh / "en" / "ejercicio2.graph.tikz.tex"
    shutil.copy(source, tmp_path / source.name)
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", source.name], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize("lang, stem", [("es", "ejercicio2"), ("en", "ejercicio3"), ("es", "ejercicio1"), ("en", "ejercicio5"),
                                        ("es", "ejercicio6")])   # ejercicio4: the next test
def test_notebooks_run_top_to_bottom(fresh, lang, stem):
    nbformat = pytest.importorskip("nbformat", reason="test extra: pip install '.[test]'")
    nbclient = pytest.importorskip("nbclient", reason="test extra: pip install '.[test]'")
    nb = nbformat.read(fresh / lang / f"{stem}.ipynb", as_version=4)
    nbformat.validate(nb)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(fresh / lang)}}).execute()
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert outputs and "Error" not in outputs


def test_a_notebook_moved_alone_keeps_its_figures_and_runs(fresh, tmp_path):
    """Uploaded to Colab without its folder: the figures travel as cell attachments, one cell per section."""
    import re
    import shutil

    nbformat = pytest.importorskip("nbformat", reason="test extra: pip install '.[test]'")
    nbclient = pytest.importorskip("nbclient", reason="test extra: pip install '.[test]'")
    alone = tmp_path / "alone.ipynb"
    shutil.copyfile(fresh / "es" / "ejercicio4.ipynb", alone)
    nb = nbformat.read(alone, as_version=4)
    nbformat.validate(nb)
    markdown_cells = [c for c in nb.cells if c.cell_type == "markdown"]
    assert len(markdown_cells) >= 6 and max(len(c.source) for c in markdown_cells) < 6000
    wanted = {m for c in markdown_cells for m in re.findall(r"\(attachment:([^)]+)\)", c.source)}
    present = {name for c in markdown_cells for name in c.get("attachments", {})}
    assert wanted and wanted == present and not re.search(r"\]\([^):]+\.png\)", "".join(c.source for c in nb.cells))
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()


# -- output discipline ---------------------------------------------------------------------------

def test_a_crash_leaves_nothing_behind(tmp_path, monkeypatch):
    from derive.outputs.report import markdown

    def boom(report):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(markdown, "render", boom)
    assert cli.main(["report", "ejercicio3", "--out", str(tmp_path), "--format", "md"]) == 70   # a bug, said so
    assert list(tmp_path.iterdir()) == []


def test_bad_input_writes_nothing_and_exits_1(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('kind = "gradient"\n[values]\na = 1\n[formulas]\nloss = "a + * 2"\n')
    out = tmp_path / "out"
    assert cli.main(["report", str(bad), "ejercicio2", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "bad.toml:5:" in err and "^" in err and "Traceback" not in err
    assert not out.exists()


def test_file_names_cannot_escape_the_output_folder(tmp_path):
    from derive.outputs.report import stem_of

    assert stem_of("../../etc/passwd.toml") == "passwd"
    assert stem_of("we ird/..name!.toml") == "name_"
    assert "/" not in stem_of("a/b/c.toml")


def test_report_prints_where_each_file_went_and_one_line_per_exercise(tmp_path, capsys):
    assert cli.main(["report", "ejercicio3", "--out", str(tmp_path), "--format", "md", "--lang", "en"]) == 0
    captured = capsys.readouterr()
    written = captured.out.split()
    assert str(tmp_path / "en" / "ejercicio3.md") in written
    assert all(Path(p).exists() for p in written)
    assert captured.err.count("ejercicio3: linear-system, en") == 1
    assert not list(tmp_path.glob(".derive-staging-*"))


def test_language_defaults_to_the_exercise_then_english(tmp_path):
    plain = tmp_path / "plain.toml"
    plain.write_text('kind = "gradient"\n[values]\nx = 2\n[formulas]\ny = "x^2"\n')
    assert cli.main(["report", str(plain), "ejercicio3", "--out", str(tmp_path / "o"), "--format", "md"]) == 0
    assert (tmp_path / "o" / "en" / "plain.md").exists()
    assert (tmp_path / "o" / "es" / "ejercicio3.md").exists()
    assert not (tmp_path / "o" / "en" / "ejercicio3.md").exists()


def test_large_graphs_are_summarised_not_drawn_as_a_hairball(tmp_path):
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from mlp_gradients import mlp_exercise

    path = tmp_path / "mlp.toml"
    path.write_text(mlp_exercise([2, 8, 8, 1]))
    assert cli.main(["report", str(path), "--out", str(tmp_path / "o"), "--format", "md"]) == 0
    md = (tmp_path / "o" / "en" / "mlp.md").read_text()
    assert "```mermaid" not in md and "the figure summarises it by layer" in md
    assert (tmp_path / "o" / "en" / "mlp.graph.png").stat().st_size > 2000


def test_a_kink_is_reported_with_one_sided_derivatives(tmp_path):
    path = tmp_path / "kink.toml"
    path.write_text('kind = "gradient"\n[values]\nx = 0\n[formulas]\ny = "max(x, 0)"\n')
    assert cli.main(["report", str(path), "--out", str(tmp_path / "o"), "--format", "md", "--lang", "es"]) == 0
    md = (tmp_path / "o" / "es" / "kink.md").read_text()
    assert "no definida (pliegue)" in md and "por la izquierda $0$, por la derecha $1$" in md


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot (Debian: graphviz)")
def test_dot_export_is_valid_graphviz(fresh, tmp_path):
    done = subprocess.run(["dot", "-Tsvg", str(fresh / "en" / "ejercicio2.graph.dot"), "-o", str(tmp_path / "g.svg")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "g.svg").read_text().count("<g id=\"edge") == 14


def test_mermaid_and_dot_list_every_node_and_edge(fresh):
    mmd = (fresh / "en" / "ejercicio2.graph.mmd").read_text()
    dot = (fresh / "en" / "ejercicio2.graph.dot").read_text()
    assert mmd.startswith("flowchart LR") and mmd.count("-->") == 14 and dot.count("->") == 14
    for label in ("a = 2", "m = 90", "z = 46", "pred ≈ 1.0"):
        assert label in mmd and label in dot


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("latexmk") is None, reason="needs latexmk and pdflatex (.ci/run installs them)")
def test_a_large_model_still_makes_a_readable_report(tmp_path):
    """193 formulas and 107 inputs: long blocks are cut with a pointer to the JSON, the point is
    listed six to a line, long tables break across pages, and the PDF compiles."""
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from mlp_gradients import mlp_exercise

    path = tmp_path / "mlp.toml"
    path.write_text(mlp_exercise([2, 8, 8, 1]))
    assert cli.main(["report", str(path), "--out", str(tmp_path / "o"), "--format", "md,pdf"]) == 0
    md = (tmp_path / "o" / "en" / "mlp.md").read_text()
    assert "more rows, left out here: `python -m derive gradients FILE --json` has them all" in md
    assert (tmp_path / "o" / "en" / "mlp.pdf").read_bytes().startswith(b"%PDF")


# -- the graph figure: measured, not trusted ------------------------------------------------------------------

def _overlap(a, b, slack=1e-6) -> bool:
    return a[0] < b[2] - slack and b[0] < a[2] - slack and a[1] < b[3] - slack and b[1] < a[3] - slack


def _visible(arrow, boxes) -> float:
    """Length of the arrow's polyline outside every box but its own label's (where it is drawn)."""
    from derive.outputs.report.figures import inside, trimmed

    points = trimmed(arrow.points, boxes[arrow.source], boxes[arrow.target])
    others = [b for k, b in boxes.items() if k != arrow.label]
    total = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        for t in range(20):
            a, b = t / 20, (t + 1) / 20
            mid = (x0 + (a + b) / 2 * (x1 - x0), y0 + (a + b) / 2 * (y1 - y0))
            if not any(inside(mid, box) for box in others):
                total += ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 / 20
    return total


def _chain_exercise(n: int, extra_input: bool = False) -> str:
    formulas = {"h0": "tanh(0.5 x + y)"}
    for i in range(1, n):
        formulas[f"h{i}"] = f"tanh(0.9 h{i - 1} + 0.1 x)" if i % 3 else f"h{i - 1} * h{max(0, i - 2)} + y"
    values = {"x": 0.3, "y": -0.2, "k": 2} if extra_input else {"x": 0.3, "y": -0.2}
    if extra_input:
        formulas["out"] = f"k * h{n - 1}"
    from conftest import exercise_text

    return exercise_text(values, formulas, of="out" if extra_input else None, wrt=["x", "y"] if extra_input else None)


@pytest.mark.parametrize("engine", ["dot", "derive"])
@pytest.mark.parametrize("case", ["ejercicio2", "ejercicio4", "ejercicio5", "chain12", "chain38", "fixed-input"])
def test_graph_figures_are_legible(case, engine, tmp_path):
    """No label over a box or another label, every arrow visible between its boxes, nothing off the canvas:
    measured on the figure's own layout, with Graphviz and with the fallback."""
    if engine == "dot" and not shutil.which("dot"):
        pytest.skip("needs Graphviz's dot (Debian: graphviz)")
    from derive.engine import derive
    from derive.model.exercise import load, loads
    from derive.outputs.report.figures import graph_figure

    if case.startswith("chain"):
        ex = loads(_chain_exercise(int(case[5:])))
    elif case == "fixed-input":
        ex = loads(_chain_exercise(5, extra_input=True))
    else:
        ex = load(case)
    d = derive(ex)
    assert d.graph.number_of_nodes() <= 40
    lay = graph_figure(d, str(tmp_path / "g"), ("png",), engine=engine)
    boxes = {k: b.bounds for k, b in lay.boxes.items()}
    keys = list(boxes)
    for i, a in enumerate(keys):
        x0, y0, x1, y1 = boxes[a]
        assert 0 <= x0 and x1 <= lay.width and 0 <= y0 and y1 <= lay.height, f"{a} is off the canvas"
        for b in keys[i + 1:]:
            assert not _overlap(boxes[a], boxes[b]), f"{a} overlaps {b}"
    assert {(a.source, a.target) for a in lay.arrows} == set(d.graph.edges)     # every use has its arrow
    for arrow in lay.arrows:
        assert _visible(arrow, lay.boxes) > 0.05, f"the arrow {arrow.source} -> {arrow.target} is hidden"
    if case == "fixed-input":
        assert "k" in lay.boxes and any(a.source == "k" for a in lay.arrows)
    from PIL import Image

    with Image.open(tmp_path / "g.png") as image:
        assert image.size[0] > 200 and image.size[1] > 50


# -- how numbers are written -------------------------------------------------------------------------------------

@pytest.mark.parametrize("exact, value, plain", [
    ("-3/2", "-1.5", "−1.5"),                   # a decimal that ends is exact: no ≈, no padding
    ("1/2", "0.5", "0.5"),
    ("-1", "-1", "−1"),
    ("7/20", "0.35", "0.35"),
    ("1/3", "0.3333333333333333", "1/3"),
    (None, "1.0530617357553812e-20", "1.0531·10⁻²⁰"),
    (None, "-2.7436123", "−2.7436"),
    (None, "-3.7183", "−3.7183"),
    (None, "123456.789", "1.2346·10⁵"),
    (None, "0.00012345678", "0.00012346"),
])
def test_figure_numbers_are_short_and_exact_where_exact(exact, value, plain):
    import sympy as sp

    from derive.core.numbers import plain as write

    assert write(sp.Rational(exact) if exact else None, mpmath.mpf(value)) == plain


@pytest.mark.parametrize("exact, expected", [
    ("-3/2", "-1.5"),                          # exact: no ≈ and no 30 padded digits
    ("-4/3", r"-\frac{4}{3}"),
    ("1/2", "0.5"),
    ("2", "2"),
    ("1/3", r"\frac{1}{3}"),
])
def test_exact_rationals_are_written_without_approximation(exact, expected):
    import sympy as sp

    from derive.outputs.report.mathtex import exact_eq

    assert exact_eq(sp.Rational(exact), mpmath.mpf(sp.Rational(exact))) == expected


def test_negative_values_inside_functions_have_one_pair_of_parentheses():
    import sympy as sp

    from derive.core.ops import sigmoid
    from derive.outputs.report.mathtex import substituted

    x = sp.Symbol("x", real=True)
    text = substituted(sp.tanh(x) + sigmoid(x) * x, {"x": ("-1", sp.Integer(-1))})
    assert r"\left(\left(" not in text and r"\tanh{\left(-1 \right)}" in text and r"\left(-1\right)" in text


def test_no_empty_evaluation_bar(tmp_path):
    from derive.engine import derive
    from derive.model.exercise import loads
    from derive.outputs.report import gradient, markdown

    d = derive(loads('kind = "gradient"\n[values]\nx = 2\ny = 3\n[formulas]\nu = "x y"\nv = "u^2 + x"\n'))
    md = markdown.render(gradient.build("t", "t", d, None, "en"))
    assert r"\right\vert _{}" not in md and r"\right|_{}" not in md


_EXACT_CHAIN_DECIMAL = re.compile(r"\d\.\d{6,}|\\times 10\^")


def test_no_exact_chain_in_a_committed_report_contains_a_decimal():
    """Between a row's first = and its first ≈, every number is exact (a rounded decimal only after ≈)."""
    for path in sorted(REPORTS.glob("*/*.md")):
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"\$\$\n(.*?)\n\$\$", text, flags=re.S):
            for row in re.split(r"\\cr", block):
                if "&=" not in row or "approx" in row.split("&=", 1)[0]:
                    continue
                chain = row.split("&=", 1)[1].split(r"\approx")[0]
                if r"\overline" in row.split("&=", 1)[0] and "&=" not in chain:
                    pass
                assert not _EXACT_CHAIN_DECIMAL.search(chain), (path.name, row[:300])


def test_committed_markdown_has_no_line_over_400_characters_outside_math():
    for path in sorted(REPORTS.glob("*/*.md")):
        inside = False
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip() == "$$":
                inside = not inside
                continue
            if not inside:
                assert len(line) <= 400, f"{path.name}:{number} has {len(line)} characters"
