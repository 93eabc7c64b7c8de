"""The command line: `python -m derive <command>`; bad input prints a message and exits 1."""
from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import contextmanager

from ..core.errors import DeriveError
from .. import pipeline
from .exits import guarded
from ..core.i18n import Msg, SPOKEN, t
from . import grade, lint, variants
from ..checks import bench
from ..checks.bench import DEVICES, DTYPES, read_saved
from ..core.messages import language
from ..core.parser import parse_number
from ..core.progress import bar
from ..model.catalog import bundled, summary
from ..model.exercise import load, resolve
from ..model.stepspec import MAX_STEPS, Step
from ..model.system import Analysis, METHODS, Solver, analyse
from ..outputs import report, textjson as output
from ..outputs.report import grades, stem_of
from ..outputs.report.write import TEX_HINT, tex_engine, write, write_files
from .scaffold import new
from .watch import watch


def _gradients(args) -> int:
    ex = load(args.file)
    if ex.kind != "gradient":
        raise DeriveError(Msg("err_needs_kind", file=args.file, kind=f'{ex.kind!r}', command='gradients', wanted='"gradient"'))
    computed = pipeline.compute(ex, pipeline.Options(step=_asked_step(args), checks=not args.exact_only))
    d, checks = computed.results
    print(output.dumps(output.to_json(d, checks)) if args.json else output.to_text(d, checks, _lang(args, ex)))
    return 0


def _lang(args, ex=None) -> str:
    """The language the command speaks: --lang, else the exercise's, else the locale's (derive.messages)."""
    asked = getattr(args, "lang", None)
    return language(asked if asked in SPOKEN else (ex.lang if ex is not None else None))


def _asked_step(args):
    """--step LR [--steps N]: training steps for a file without a [step] table (or replacing its numbers), passed
    to the pipeline as an option (the loaded exercise is never changed); None without --step."""
    if getattr(args, "step", None) is None:
        if getattr(args, "steps", None) is not None:
            raise DeriveError(Msg("err_opt_steps_step"))
        return None

    rate = parse_number(args.step)
    if not rate > 0:
        raise DeriveError(Msg("err_opt_step", value=args.step))
    steps = args.steps or 1
    if not 1 <= steps <= MAX_STEPS:
        raise DeriveError(Msg("err_opt_steps", limit=MAX_STEPS, value=steps))
    return Step(rate, steps)


def _solve(args) -> int:
    if args.random is not None:
        import sympy as sp

        from ..checks.solvers import study_random

        if not 1 <= args.random <= 5000:
            raise DeriveError(Msg("err_opt_random", value=args.random))
        A, x, kappa, L, mu, study = study_random(args.random, args.seed, Solver(), METHODS)
        unknowns = [f"x{i + 1}" for i in range(args.random)]
        exact = {u: sp.Integer(int(v)) for u, v in zip(unknowns, x.tolist())}
        analysis = Analysis(args.random, args.random, "unique", exact, None, None, [], [], kappa, L, mu)
        equations, ex = None, None
    else:
        if args.file is None:
            raise DeriveError(Msg("err_opt_solve"))
        from ..model.exercise import load
        from ..checks.solvers import study

        ex = load(args.file)
        if ex.kind != "linear-system":
            raise DeriveError(Msg("err_needs_kind", file=args.file, kind=f'{ex.kind!r}', command='solve', wanted='"linear-system"'))
        unknowns, analysis = ex.system.unknowns, analyse(ex.system)
        study = study(ex.system, analysis)
        equations = [e.text for e in ex.system.equations]
    print(json.dumps(output.solve_json(unknowns, analysis, study), indent=2, ensure_ascii=False) if args.json
          else output.solve_text(unknowns, analysis, study, equations, _lang(args, ex)))
    return 0


def _bench(args) -> int:
    if args.from_json:
        result = bench.Bench.from_json([_read_json(f) for f in args.from_json])
        return _bench_output(args, result)
    spec, ex = bench.Spec(), None
    if args.file:
        from ..model.exercise import load

        ex = load(args.file)
        if ex.kind != "matmul-benchmark":
            raise DeriveError(Msg("err_needs_kind", file=args.file, kind=f'{ex.kind!r}', command='bench', wanted='"matmul-benchmark"'))
        spec = ex.spec
    for key in ("sizes", "dtypes", "devices", "repeats"):
        if getattr(args, key):
            setattr(spec, key, getattr(args, key))
    if not 3 <= spec.repeats <= 1000:
        raise DeriveError(Msg("err_opt_repeats", value=spec.repeats))
    if args.sizes:
        spec.quick = args.sizes
    bad = [n for n in spec.sizes if not 1 <= n <= bench.MAX_SIZE]
    if bad:
        raise DeriveError(Msg("err_size_range", size=bad[0]), hint=Msg("err_size_range_fix", limit=bench.MAX_SIZE))
    result = bench.run(spec, quick=args.quick, progress=not args.json and sys.stderr.isatty())
    return _bench_output(args, result, ex if args.file else None)


def _read_json(path: str) -> dict:
    return read_saved(path)


def _bench_output(args, result, ex=None) -> int:
    if args.plot:
        from ..outputs.report import figures

        figures.bench_plot(result, args.plot, _lang(args, ex))
    print(json.dumps(result.to_json(), indent=2) if args.json else bench.to_text(result, _lang(args, ex)))
    return 0


def _report(args) -> int:
    if not args.watch:
        return _report_once(args)

    if not args.files:
        raise DeriveError(Msg("err_opt_watch"))
    return watch([str(resolve(f)) for f in args.files], lambda: _report_once(args),
                 language=lambda: _error_lang(args), debug=getattr(args, "debug", False))


def _report_once(args) -> int:
    import time
    from pathlib import Path

    formats = set(args.format.split(",")) if args.format else {"md", "tex", "ipynb", "pdf", "html"}
    unknown = formats - set(report.FORMATS)
    if unknown:
        raise DeriveError(Msg("err_unknown_format", name=f'{sorted(unknown)[0]!r}'), hint=Msg("err_formats", names=', '.join(report.FORMATS)))
    files = args.files or [str(p) for _, p in sorted(bundled().items())]
    lang = args.lang or ("all" if not args.files else None)
    exercises = [load(f) for f in files]              # every file is checked before anything is computed
    step = _asked_step(args)
    _distinct_stems(exercises)
    engine = _tex_engine("pdf" in formats)
    reports = []
    for ex in exercises:
        start = time.perf_counter()
        computed = pipeline.compute(ex, pipeline.Options(step=step if ex.kind == "gradient" else None,
                                                         quick_bench=not args.full_bench,
                                                         measure=args.measure or args.full_bench))
        langs = report.languages(lang, ex)
        reports += [report.build(computed, code, args.audience) for code in langs]
        print(f"{computed.stem}: {ex.kind}, {'+'.join(langs)} ({time.perf_counter() - start:.1f} s)", file=sys.stderr)
    return _finish(*write(reports, Path(args.out), formats, engine), lang=_error_lang(args))


def _distinct_stems(exercises):
    """Two exercises whose files share a name would overwrite each other's report: refuse before anything."""
    seen = {}
    for ex in exercises:
        stem = stem_of(ex.path)
        if stem in seen:
            raise DeriveError(Msg("err_same_stem", first=seen[stem], second=ex.path, stem=stem),
                              hint=Msg("err_same_stem_fix"))
        seen[stem] = ex.path


def _tex_engine(wanted: bool, lang: str = "en"):
    """The TeX command when PDFs are wanted and one is installed; says so when none is."""
    engine = tex_engine() if wanted else None
    if wanted and engine is None:
        print(t(lang, "cli_pdf_skipped", hint=TEX_HINT), file=sys.stderr)
    return engine


def _finish(written, problems, lang: str = "en") -> int:
    """Print where every file went and what failed (in `lang`); the exit status."""
    for path in written:
        print(path)
    for problem in problems:
        print(DeriveError(problem).render(lang), file=sys.stderr)
    return 1 if problems else 0


def _variants(args) -> int:
    from pathlib import Path

    if not 1 <= args.n <= 10_000:
        raise DeriveError(Msg("err_opt_n", value=args.n))
    cores = os.cpu_count() or 1
    if args.workers is not None and not 1 <= args.workers <= cores:
        raise DeriveError(Msg("err_opt_workers", cores=cores, value=args.workers))
    formats = set(args.format.split(","))
    if formats - {"md", "pdf", "moodle"}:
        raise DeriveError(Msg("err_unknown_format", name=f"{sorted(formats - {'md', 'pdf', 'moodle'})[0]!r}"),
                          hint=Msg("err_formats", names='md, pdf, moodle'))
    ex = load(args.file)
    lang = args.lang or ex.lang or "en"

    with bar(args.n, t(lang, "cli_variants_progress")) as progress:
        chosen, stats = variants.draw(ex, args.n, args.seed, lang, workers=args.workers, progress=progress)
    print(t(lang, "cli_variants_done", count=len(chosen), examined=stats["examined"],
            rejected=variants.summary(stats["rejected"])), file=sys.stderr)
    files, latex = variants.documents(chosen, ex, lang, len(str(args.n)))
    if "moodle" in formats:
        from ..outputs.report import moodle, stem_of

        files[f"{stem_of(ex.path)}-moodle.xml"] = moodle.bank(chosen, ex, lang, args.seed, variants.KEY_TOLERANCE,
                                                                moodle.graph_png(ex))
    return _finish(*write_files(Path(args.out), files, latex, _tex_engine("pdf" in formats, lang)), lang=lang)


def _grade(args) -> int:
    ex = load(args.file)
    lang = _lang(args, ex)
    if args.json:
        _, graded = grade.marked(ex, args.answers)
        print(json.dumps(grades.to_json(graded), indent=2, ensure_ascii=False))
        return 0
    text, written = grade.run(ex, args.answers, lang, args.out)
    print(text)
    for path in written:
        print(path, file=sys.stderr)
    return 0


def _check(args) -> int:
    ex = load(args.file)
    problems = lint.check(ex)
    print(lint.text(ex.path, problems, _lang(args, ex)))
    return 1 if problems else 0


def _new(args) -> int:
    print(new(args.path, args.kind, _lang(args)))
    return 0


def _list(args) -> int:
    for name, path in sorted(bundled().items()):
        kind, title = summary(path)
        print(f"{name:<12} {kind:<17} {title}")
    return 0


# argparse's own words (usage, options, its errors), by their gettext msgids, as catalog entries
ARGPARSE = {"usage: ": "argparse_usage", "positional arguments": "argparse_positional", "options": "argparse_options",
            "show this help message and exit": "argparse_help", "%(prog)s: error: %(message)s\n": "argparse_error",
            "the following arguments are required: %s": "argparse_required",
            "invalid choice: %(value)r (choose from %(choices)s)": "argparse_choice",
            "unrecognized arguments: %s": "argparse_unrecognized", "expected one argument": "argparse_one",
            "expected at least one argument": "argparse_at_least_one",
            "argument %(argument_name)s: %(message)s": "argparse_argument",
            "invalid %(type)s value: %(value)r": "argparse_invalid_value",
            "ambiguous option: %(option)s could match %(matches)s": "argparse_ambiguous"}


@contextmanager
def argparse_speaks(lang: str):
    """argparse's own words in `lang` while the command line is parsed (its module-level gettext `_`)."""
    saved = argparse._
    argparse._ = lambda text: t(lang, ARGPARSE[text]) if text in ARGPARSE else saved(text)
    try:
        yield
    finally:
        argparse._ = saved


def _asked_lang(argv: list[str]) -> str:
    """The language of the command line itself (help, usage, its errors): --lang, else the locale's."""
    asked = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--lang"), None)
    asked = next((a.partition("=")[2] for a in argv if a.startswith("--lang=")), asked)
    return language(asked if asked in SPOKEN else None)


def parser(lang: str = "en") -> argparse.ArgumentParser:
    def h(key: str) -> str:
        return t(lang, key).replace("%", "%%")

    top = argparse.ArgumentParser(prog="derive", description=h("help_description"), allow_abbrev=False)
    top.add_argument("--debug", action="store_true", help=h("help_debug"))
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help=h("help_debug"))
    sub = top.add_subparsers(dest="command", required=True)
    g = sub.add_parser("gradients", parents=[common], allow_abbrev=False, help=h("help_gradients"))
    g.add_argument("file", help=h("help_file"))
    g.add_argument("--json", action="store_true", help=h("help_json"))
    g.add_argument("--exact-only", action="store_true", help=h("help_exact_only"))
    g.add_argument("--step", metavar="LR", help=h("help_step"))
    g.add_argument("--steps", type=int, metavar="N", help=h("help_steps"))
    g.add_argument("--lang", choices=SPOKEN, metavar="{en,es}", help=h("help_lang_text"))
    g.set_defaults(run=_gradients)
    s = sub.add_parser("solve", parents=[common], allow_abbrev=False, help=h("help_solve"))
    s.add_argument("file", nargs="?", help=h("help_system_file"))
    s.add_argument("--random", type=int, metavar="N", help=h("help_random"))
    s.add_argument("--seed", type=int, default=0, help=h("help_seed_random"))
    s.add_argument("--json", action="store_true", help=h("help_json"))
    s.add_argument("--lang", choices=SPOKEN, metavar="{en,es}", help=h("help_lang_text"))
    s.set_defaults(run=_solve)

    b = sub.add_parser("bench", parents=[common], allow_abbrev=False, help=h("help_bench"))
    b.add_argument("file", nargs="?", help=h("help_bench_file"))
    b.add_argument("--sizes", type=int, nargs="+", metavar="N", help=h("help_sizes"))
    b.add_argument("--dtypes", nargs="+", choices=DTYPES, help=h("help_dtypes"))
    b.add_argument("--devices", nargs="+", choices=DEVICES, help=h("help_devices"))
    b.add_argument("--quick", action="store_true", help=h("help_quick"))
    b.add_argument("--repeats", type=int, metavar="N", help=h("help_repeats"))
    b.add_argument("--json", action="store_true", help=h("help_json"))
    b.add_argument("--plot", metavar="FILE", help=h("help_plot"))
    b.add_argument("--from-json", nargs="+", metavar="JSON", help=h("help_from_json"))
    b.add_argument("--lang", choices=SPOKEN, metavar="{en,es}", help=h("help_lang_text"))
    b.set_defaults(run=_bench)
    r = sub.add_parser("report", parents=[common], allow_abbrev=False, help=h("help_report"))
    r.add_argument("files", nargs="*", metavar="FILE", help=h("help_files"))
    r.add_argument("--out", default="reports", help=h("help_out_reports"))
    r.add_argument("--lang", choices=SPOKEN + ("all",), metavar="{en,es,all}",
                   help=h("help_lang_report"))
    r.add_argument("--format", help=h("help_format_report"))
    r.add_argument("--full-bench", action="store_true", help=h("help_full_bench"))
    r.add_argument("--measure", action="store_true", help=h("help_measure"))
    r.add_argument("--watch", action="store_true", help=h("help_watch"))
    r.add_argument("--for", dest="audience", choices=("teacher", "student"), default="teacher",
                   help=h("help_for"))
    r.add_argument("--step", metavar="LR", help=h("help_step_report"))
    r.add_argument("--steps", type=int, metavar="N", help=h("help_steps"))
    r.set_defaults(run=_report)
    v = sub.add_parser("variants", parents=[common], allow_abbrev=False, help=h("help_variants"))
    v.add_argument("file", help=h("help_variants_file"))
    v.add_argument("-n", type=int, default=10, help=h("help_n"))
    v.add_argument("--seed", type=int, default=0, help=h("help_seed_variants"))
    v.add_argument("--out", default="variants", help=h("help_out_variants"))
    v.add_argument("--lang", choices=SPOKEN, metavar="{en,es}", help=h("help_lang_variants"))
    v.add_argument("--format", default="md,pdf",
                   help=h("help_format_variants"))
    v.add_argument("--workers", type=int, help=h("help_workers"))
    v.set_defaults(run=_variants)
    m = sub.add_parser("grade", parents=[common], allow_abbrev=False, help=h("help_grade"))
    m.add_argument("file", help=h("help_check_file"))
    m.add_argument("answers", help=h("help_answers"))
    m.add_argument("--out", help=h("help_out_grades"))
    m.add_argument("--json", action="store_true", help=h("help_json"))
    m.add_argument("--lang", choices=SPOKEN, metavar="{en,es}", help=h("help_lang_text"))
    m.set_defaults(run=_grade)
    c = sub.add_parser("check", parents=[common], allow_abbrev=False, help=h("help_check"))
    c.add_argument("file", help=h("help_check_file"))
    c.add_argument("--lang", choices=SPOKEN, metavar="{en,es}", help=h("help_lang_warnings"))
    c.set_defaults(run=_check)
    n = sub.add_parser("new", parents=[common], allow_abbrev=False, help=h("help_new"))
    n.add_argument("path", help=h("help_path"))
    n.add_argument("--kind", choices=("gradient", "linear-system", "matmul-benchmark"), default="gradient",
                   help=h("help_kind"))
    n.add_argument("--lang", choices=SPOKEN, metavar="{en,es}", help=h("help_lang_comments"))
    n.set_defaults(run=_new)
    sub.add_parser("list", parents=[common], allow_abbrev=False, help=h("help_list")).set_defaults(run=_list)
    return top



def _error_lang(args) -> str:
    """The language of an error, known before the file is parsed: --lang, the `lang = ...` line of the file
    (found by a pattern, so even a file that does not parse), the locale."""
    asked = getattr(args, "lang", None)
    text = None
    names = [getattr(args, "file", None)] + list(getattr(args, "files", None) or [])[:1]
    for name in (n for n in names if n):
        try:
            from ..model.exercise import resolve

            path = resolve(name)
            if path.is_file():                   # never a pipe or a device, which could block
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read(65536)
        except (OSError, DeriveError):
            pass
        break
    return language(asked if asked in SPOKEN else None, text)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    lang = _asked_lang(argv)
    with argparse_speaks(lang):
        args = parser(lang).parse_args(argv)
    import gc

    # derive builds many small objects that never form cycles (SymPy trees, mpmath numbers): the cyclic
    # collector's repeated scans cost a third of a large graph's time, so it rests while a command runs
    collecting = gc.isenabled()
    gc.disable()
    try:
        return guarded(lambda: args.run(args), getattr(args, "debug", False),
                       language=lambda: _error_lang(args))
    finally:
        if collecting:
            gc.enable()


def entry() -> None:
    """The program `derive` and `python -m derive`: main, then out without the interpreter's teardown, which
    frees every object one by one (1.8 s after a 33,000-formula graph) when the command has written, flushed
    and closed all it had to (its worker pools are joined, its files closed)."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:                 # the reader left (`| head`): nothing more to say
        code = code or 141
    os._exit(int(code or 0))
