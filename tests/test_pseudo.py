"""The pseudo-language: with --lang qps every catalog sentence comes out wrapped in ⟦…⟧ (English inside), so any
word a reader sees outside the brackets reached them without the catalog and would stay English in a Spanish
run. Run over every command's text, every report format, the hand-outs, and every bad input of the robustness
suites (their cases are read from the tests' own parameters)."""
from __future__ import annotations

import inspect
import json
import re

import pytest

import pseudo
import test_exercise
import test_hostile
import test_parser
import test_robustness
from derive.apps import cli
from derive.model.exercise import bundled

EXERCISES = {name: path for name, path in bundled().items()}


def _allowed(*sources: str) -> set[str]:
    return set().union(*(pseudo.words_of(s) for s in sources))


def _clean(text: str, allowed=()) -> None:
    found = pseudo.leaks(text, allowed)
    assert not found, f"outside the catalog: {found}\n{pseudo.outside(text)[:1500]}"


@pytest.mark.parametrize("argv", [
    ["gradients", "ejercicio2"], ["gradients", "ejercicio5"], ["gradients", "ejercicio7"], ["gradients", "ejercicio4", "--step", "0.1"],
    ["check", "ejercicio2"], ["check", "ejercicio3"], ["solve", "ejercicio3"],
    ["bench", "--sizes", "16", "--repeats", "3"], ["bench", "--from-json", str(EXERCISES["ejercicio1"].parent /
                                                                            "ejercicio1.bench.json")],
])
def test_every_command_speaks_only_through_the_catalog(capsys, argv):
    status = cli.main([*argv, "--lang", "qps"])
    out, err = capsys.readouterr()
    assert status == 0 or argv[0] == "check" and status == 1, err      # check: 1 when it finds problems
    sources = [EXERCISES[a].read_text(encoding="utf-8") for a in argv if a in EXERCISES]
    _clean(out + err, _allowed(*sources))


def test_a_new_starter_speaks_only_through_the_catalog(tmp_path, capsys):
    for kind in ("gradient", "linear-system", "matmul-benchmark"):
        path = tmp_path / f"{kind}.toml"
        assert cli.main(["new", str(path), "--kind", kind, "--lang", "qps"]) == 0
        capsys.readouterr()
        comments = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#"))
        _clean(comments, {kind})


FORMATS = {".md": pseudo.prose_of_markdown, ".tex": pseudo.prose_of_latex, ".html": pseudo.prose_of_html,
           ".ipynb": pseudo.prose_of_notebook}


@pytest.mark.slow
@pytest.mark.parametrize("name, extra", [("ejercicio1", []), ("ejercicio2", []), ("ejercicio3", []),
                                         ("ejercicio5", []), ("ejercicio6", []), ("ejercicio7", []),
                                         ("ejercicio8", []),
                                         ("ejercicio2", ["--for", "student"]), ("ejercicio4", ["--step", "0.5"])])
def test_every_report_format_speaks_only_through_the_catalog(tmp_path, capsys, name, extra):
    assert cli.main(["report", name, "--lang", "qps", "--format", "md,tex,html,ipynb", "--out", str(tmp_path),
                     *extra]) == 0
    capsys.readouterr()
    allowed = _allowed(EXERCISES[name].read_text(encoding="utf-8"))
    stored = EXERCISES[name].with_suffix(".bench.json")
    if stored.exists():                      # the machine's description (CPU, BLAS) is data, shown as measured
        allowed |= _allowed(json.dumps(json.loads(stored.read_text(encoding="utf-8"))["environment"]))
    written = [p for p in (tmp_path / "qps").iterdir() if p.suffix in FORMATS and p.name.count(".") == 1]
    assert len(written) >= 4
    for path in written:
        found = pseudo.leaks(path.read_text(encoding="utf-8"), allowed, FORMATS[path.suffix])
        assert not found, f"{path.name}: outside the catalog: {found}"


@pytest.mark.slow
def test_variants_and_their_moodle_bank_speak_only_through_the_catalog(tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["variants", "ejercicio2", "-n", "2", "--seed", "1", "--lang", "qps", "--format", "md,moodle",
                     "--workers", "1", "--out", str(out)]) == 0
    _, err = capsys.readouterr()
    allowed = _allowed(EXERCISES["ejercicio2"].read_text(encoding="utf-8"))
    _clean(err, allowed)
    for path in out.iterdir():
        if path.suffix == ".md":
            assert not pseudo.leaks(path.read_text(encoding="utf-8"), allowed, pseudo.prose_of_markdown), path.name
        elif path.suffix == ".xml":
            assert not pseudo.leaks(path.read_text(encoding="utf-8"), allowed, pseudo.prose_of_moodle), path.name
        elif path.suffix == ".toml":
            comments = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                                 if line.startswith("#"))
            _clean(comments, allowed)


def _parameters(module, *names):
    """The parameter sets of the module's tests whose parameters start with `names`."""
    for _, test in inspect.getmembers(module, inspect.isfunction):
        for mark in getattr(test, "pytestmark", []):
            if mark.name == "parametrize":
                argnames = [a.strip() for a in mark.args[0].split(",")] if isinstance(mark.args[0], str) \
                    else list(mark.args[0])
                if argnames[:len(names)] == list(names):
                    yield from (p if isinstance(p, tuple) else (p,) for p in mark.args[1])


def _bad_inputs() -> list[str]:
    """Exercise files from the robustness suites: their values and formulas, their whole files, their formulas."""
    files = [test_hostile.GRADIENT.format(values=v, formulas=f) for v, f, _ in test_hostile.CORPUS.values()]
    files += [f'kind = "gradient"\n[values]\n{p[0]}\n[formulas]\n{p[1]}\n'
              for p in _parameters(test_robustness, "values", "formulas")]
    files += [p[0] for p in _parameters(test_exercise, "text", "line")]
    names = "\n".join(f"{n} = 1" for n in sorted(test_parser.KNOWN))
    files += [f'kind = "gradient"\n[values]\n{names}\n[formulas]\nf = {p[0]!r}\n'.replace("\\\\", "\\")
              for p in _parameters(test_parser, "text", "column")]
    return files


BAD = _bad_inputs()


def test_the_bad_inputs_are_many():
    assert len(BAD) > 60


@pytest.mark.parametrize("lang", ["qps", "es"])
def test_every_bad_input_is_said_through_the_catalog(tmp_path, capsys, lang):
    """Each bad input of the robustness suites, run by `gradients`: in the pseudo-language nothing outside the
    brackets but the file's own text; in Spanish, none of the English catalog's sentences."""
    from derive.core.i18n import CATALOGS

    english = {s for k, s in CATALOGS["en"].items() if s != CATALOGS["es"][k] and len(s) > 15 and "{" not in s}
    failures = []
    for number, text in enumerate(BAD):
        path = tmp_path / f"bad{number}.toml"
        path.write_text(text, encoding="utf-8")
        status = cli.main(["gradients", str(path), "--lang", lang])
        out, err = capsys.readouterr()
        assert status in (0, 1), err
        said = out + err
        if lang == "qps":
            found = pseudo.leaks(said.replace(str(path), " "), _allowed(text))
        else:
            found = [s for s in english if s in said]
        if found:
            failures.append(f"{text!r}: {found}\n{said}")
    assert not failures, "\n".join(failures[:10])


@pytest.mark.parametrize("command", [[], ["gradients"], ["solve"], ["bench"], ["report"], ["variants"], ["check"],
                                     ["new"], ["list"]])
def test_the_help_of_every_command_speaks_only_through_the_catalog(capsys, command):
    """--help: derive's descriptions and argparse's own words (usage, options, …); what is left are the
    options, metavariables, choices and command names a user types."""
    with pytest.raises(SystemExit) as end:
        cli.main([*command, "--help", "--lang", "qps"])
    assert end.value.code == 0
    text = capsys.readouterr().out
    typed = set(re.findall(r"--?[\w-]+|\{[^}]*\}|\b[A-Z][A-Z_]+\b", pseudo.outside(text)))
    words = {w for item in typed for w in re.findall(r"[\w-]+", item)} | {"file", "files", "path", "teacher",
                                                                          "student"}
    _clean(text, words | {w for item in words for w in item.split("-")} | set(cli.parser().
                                                                                _subparsers._group_actions[0].choices))


def test_a_command_line_error_is_said_in_the_asked_language(capsys):
    with pytest.raises(SystemExit) as end:
        cli.main(["gradients", "--lang", "es"])
    assert end.value.code == 2
    err = capsys.readouterr().err
    assert "uso: derive gradients" in err and "faltan estos argumentos: file" in err


def test_grade_speaks_only_through_the_catalog(tmp_path, capsys):
    answers = tmp_path / "clase.toml"
    answers.write_text('[[student]]\nname = "Ana"\n"dp/dm" = 0\n"dloss/da" = -7.37e-20\n\n[[student]]\nname = "Luis"\n'
                       '"dloss/da" = -4\n"dloss/db" = 2\n', encoding="utf-8")
    assert cli.main(["grade", "ejercicio2", str(answers), "--lang", "qps", "--out", str(tmp_path / "out")]) == 0
    out, err = capsys.readouterr()
    allowed = _allowed(EXERCISES["ejercicio2"].read_text(encoding="utf-8"), answers.read_text(encoding="utf-8"))
    _clean(out, allowed)
    for path in (tmp_path / "out" / "qps").iterdir():
        if path.suffix in FORMATS:
            assert not pseudo.leaks(path.read_text(encoding="utf-8"), allowed, FORMATS[path.suffix]), path.name
