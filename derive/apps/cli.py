"""The command line: `python -m derive <command>`; bad input prints a message and exits 1."""
from __future__ import annotations

import argparse
import json
import os
import sys

from ..core.errors import DeriveError
from .. import pipeline
from .exits import guarded
from ..core.i18n import SPOKEN, Msg


def _gradients(args) -> int:
    from ..outputs import textjson as output
    from ..model.exercise import load

    ex = load(args.file)
    if ex.kind != "gradient":
        raise DeriveError(Msg("err_needs_kind", file=args.file, kind=f'{ex.kind!r}', command='gradients', wanted='"gradient"'))
    computed = pipeline.compute(ex, pipeline.Options(step=_asked_step(args), checks=not args.exact_only))
    d, checks = computed.results
    print(output.dumps(output.to_json(d, checks)) if args.json else output.to_text(d, checks, _lang(args, ex)))
    return 0


def _lang(args, ex=None) -> str:
    """The language the command speaks: --lang, else the exercise's, else the locale's (derive.messages)."""
    from ..core.messages import language

    asked = getattr(args, "lang", None)
    return language(asked if asked in SPOKEN else (ex.lang if ex is not None else None))


def _asked_step(args):
    """--step LR [--steps N]: training steps for a file without a [step] table (or replacing its numbers), passed
    to the pipeline as an option (the loaded exercise is never changed); None without --step."""
    if getattr(args, "step", None) is None:
        if getattr(args, "steps", None) is not None:
            raise DeriveError(Msg("err_opt_steps_step"))
        return None
    from ..core.parser import parse_number
    from ..model.stepspec import MAX_STEPS, Step

    rate = parse_number(args.step)
    if not rate > 0:
        raise DeriveError(Msg("err_opt_step", value=args.step))
    steps = args.steps or 1
    if not 1 <= steps <= MAX_STEPS:
        raise DeriveError(Msg("err_opt_steps", limit=MAX_STEPS, value=steps))
    return Step(rate, steps)


def _solve(args) -> int:
    from ..outputs import textjson as output
    from ..model.system import METHODS, Analysis, Solver, analyse

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
    from ..checks import bench

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
    from ..checks.bench import read_saved

    return read_saved(path)


def _bench_output(args, result, ex=None) -> int:
    from ..checks import bench

    if args.plot:
        from ..outputs.report import figures

        figures.bench_plot(result, args.plot, _lang(args, ex))
    print(json.dumps(result.to_json(), indent=2) if args.json else bench.to_text(result, _lang(args, ex)))
    return 0


def _report(args) -> int:
    if not args.watch:
        return _report_once(args)
    from ..model.exercise import resolve
    from .watch import watch

    if not args.files:
        raise DeriveError(Msg("err_opt_watch"))
    return watch([str(resolve(f)) for f in args.files], lambda: _report_once(args),
                 language=lambda: _error_lang(args), debug=getattr(args, "debug", False))


def _report_once(args) -> int:
    import time
    from pathlib import Path

    from ..outputs import report
    from ..model.exercise import bundled, load
    from ..outputs.report.write import write

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
    return _finish(*write(reports, Path(args.out), formats, engine))


def _distinct_stems(exercises):
    """Two exercises whose files share a name would overwrite each other's report: refuse before anything."""
    from ..outputs.report import stem_of

    seen = {}
    for ex in exercises:
        stem = stem_of(ex.path)
        if stem in seen:
            raise DeriveError(Msg("err_same_stem", first=seen[stem], second=ex.path, stem=stem),
                              hint=Msg("err_same_stem_fix"))
        seen[stem] = ex.path


def _tex_engine(wanted: bool, lang: str = "en"):
    """The TeX command when PDFs are wanted and one is installed; says so when none is."""
    from ..core.i18n import t
    from ..outputs.report.write import TEX_HINT, tex_engine

    engine = tex_engine() if wanted else None
    if wanted and engine is None:
        print(t(lang, "cli_pdf_skipped", hint=TEX_HINT), file=sys.stderr)
    return engine


def _finish(written, problems) -> int:
    """Print where every file went and what failed; the exit status."""
    for path in written:
        print(path)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


def _variants(args) -> int:
    from pathlib import Path

    from . import variants
    from ..model.exercise import load
    from ..outputs.report.write import write_files

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

    from ..core.progress import bar
    from ..core.i18n import t

    with bar(args.n, t(lang, "cli_variants_progress")) as progress:
        chosen, stats = variants.draw(ex, args.n, args.seed, lang, workers=args.workers, progress=progress)
    print(t(lang, "cli_variants_done", count=len(chosen), examined=stats["examined"],
            rejected=variants.summary(stats["rejected"])), file=sys.stderr)
    files, latex = variants.documents(chosen, ex, lang, len(str(args.n)))
    if "moodle" in formats:
        from ..outputs.report import moodle, stem_of

        files[f"{stem_of(ex.path)}-moodle.xml"] = moodle.bank(chosen, ex, lang, args.seed, variants.KEY_TOLERANCE,
                                                                moodle.graph_png(ex))
    return _finish(*write_files(Path(args.out), files, latex, _tex_engine("pdf" in formats, lang)))


def _check(args) -> int:
    from . import lint
    from ..model.exercise import load

    ex = load(args.file)
    problems = lint.check(ex)
    print(lint.text(ex.path, problems, _lang(args, ex)))
    return 1 if problems else 0


def _new(args) -> int:
    from .scaffold import new

    print(new(args.path, args.kind, _lang(args)))
    return 0


def _list(args) -> int:
    from ..model.catalog import bundled, summary

    for name, path in sorted(bundled().items()):
        kind, title = summary(path)
        print(f"{name:<12} {kind:<17} {title}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="derive", description=__doc__, allow_abbrev=False)
    top.add_argument("--debug", action="store_true", help="show the traceback of an internal error")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the traceback of an internal error")
    sub = top.add_subparsers(dest="command", required=True)
    g = sub.add_parser("gradients", parents=[common], allow_abbrev=False, help="exact gradients of an exercise's target")
    g.add_argument("file", help="an exercise file, or a bundled exercise's name (see `derive list`)")
    g.add_argument("--json", action="store_true", help="print one JSON object")
    g.add_argument("--exact-only", action="store_true", help="skip the torch autograd and finite-difference checks")
    g.add_argument("--step", metavar="LR", help="then take a gradient-descent step with this learning rate")
    g.add_argument("--steps", type=int, metavar="N", help="with --step: take N steps (default 1)")
    g.add_argument("--lang", choices=SPOKEN, metavar="{en,es}", help="language of the text (default: the exercise's, else the "
                                                       "locale's)")
    g.set_defaults(run=_gradients)
    s = sub.add_parser("solve", parents=[common], allow_abbrev=False, help="solve a linear system exactly and by gradient descent, CG, ...")
    s.add_argument("file", nargs="?", help="a linear-system exercise file or bundled name")
    s.add_argument("--random", type=int, metavar="N", help="a random well-conditioned N x N system instead")
    s.add_argument("--seed", type=int, default=0, help="seed for --random (default 0)")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.add_argument("--lang", choices=SPOKEN, metavar="{en,es}", help="language of the text (default: the exercise's, else the "
                                                       "locale's)")
    s.set_defaults(run=_solve)
    from ..checks.bench import DEVICES, DTYPES

    b = sub.add_parser("bench", parents=[common], allow_abbrev=False, help="time A @ B on the CPU and any GPU, honestly")
    b.add_argument("file", nargs="?", help="a matmul-benchmark exercise file or bundled name")
    b.add_argument("--sizes", type=int, nargs="+", metavar="N")
    b.add_argument("--dtypes", nargs="+", choices=DTYPES)
    b.add_argument("--devices", nargs="+", choices=DEVICES)
    b.add_argument("--quick", action="store_true", help="sizes up to 1000, 5 repeats (under 3 s)")
    b.add_argument("--repeats", type=int, metavar="N", help="repeats per measurement (default 15)")
    b.add_argument("--json", action="store_true", help="print one JSON object")
    b.add_argument("--plot", metavar="FILE", help="also draw GFLOP/s against n (PNG or SVG)")
    b.add_argument("--from-json", nargs="+", metavar="JSON", help="show (and --plot) saved `bench --json` runs, merged")
    b.add_argument("--lang", choices=SPOKEN, metavar="{en,es}", help="language of the text (default: the exercise's, else the "
                                                       "locale's)")
    b.set_defaults(run=_bench)
    r = sub.add_parser("report", parents=[common], allow_abbrev=False, help="write worked solutions (Markdown, LaTeX/PDF, notebook, figures)")
    r.add_argument("files", nargs="*", metavar="FILE", help="exercise files or bundled names (default: all bundled)")
    r.add_argument("--out", default="reports", help="output folder (default: reports); files go to OUT/<lang>/")
    r.add_argument("--lang", choices=SPOKEN + ("all",), metavar="{en,es,all}",
                   help="language (default: the exercise's lang, else en; bundled exercises: all)")
    r.add_argument("--format", help="comma-separated: md,tex,pdf,ipynb,html (default: all; pdf where TeX exists)")
    r.add_argument("--full-bench", action="store_true", help="run the full benchmark sweep, not the quick profile")
    r.add_argument("--measure", action="store_true", help="time the benchmark again, even where a stored run "
                   "(NAME.bench.json beside the exercise) would be shown")
    r.add_argument("--watch", action="store_true", help="re-render whenever a FILE changes (Ctrl-C to stop)")
    r.add_argument("--for", dest="audience", choices=("teacher", "student"), default="teacher",
                   help="teacher: the worked solution (default); student: NAME-student, the statement and the steps "
                        "as questions with blanks, none of the solution's numbers")
    r.add_argument("--step", metavar="LR", help="add gradient-descent steps with this learning rate")
    r.add_argument("--steps", type=int, metavar="N", help="with --step: take N steps (default 1)")
    r.set_defaults(run=_report)
    v = sub.add_parser("variants", parents=[common], allow_abbrev=False, help="draw checked exercise variants with a student sheet and an answer key")
    v.add_argument("file", help="an exercise whose [values] have ranges (or a linear system)")
    v.add_argument("-n", type=int, default=10, help="how many variants (default 10)")
    v.add_argument("--seed", type=int, default=0, help="the same file, n and seed give the same files (default 0)")
    v.add_argument("--out", default="variants", help="output folder (default: variants)")
    v.add_argument("--lang", choices=SPOKEN, metavar="{en,es}", help="language (default: the exercise's, else en)")
    v.add_argument("--format", default="md,pdf",
                   help="comma-separated: md, pdf (where TeX exists), moodle (a Moodle XML question bank); "
                        "default md,pdf")
    v.add_argument("--workers", type=int, help="processes (default: one per core)")
    v.set_defaults(run=_variants)
    c = sub.add_parser("check", parents=[common], allow_abbrev=False, help="lint an exercise: kinks, saturation, unused formulas, zero gradients, ...")
    c.add_argument("file", help="an exercise file or bundled name")
    c.add_argument("--lang", choices=SPOKEN, metavar="{en,es}", help="language of the warnings (default: the exercise's, else "
                                                       "the locale's)")
    c.set_defaults(run=_check)
    n = sub.add_parser("new", parents=[common], allow_abbrev=False, help="write a commented starter exercise that runs as it is")
    n.add_argument("path", help="the file to create (.toml)")
    n.add_argument("--kind", choices=("gradient", "linear-system", "matmul-benchmark"), default="gradient")
    n.add_argument("--lang", choices=SPOKEN, metavar="{en,es}", help="language of the comments (default: the locale's)")
    n.set_defaults(run=_new)
    sub.add_parser("list", parents=[common], allow_abbrev=False, help="the bundled exercises").set_defaults(run=_list)
    return top



def _error_lang(args) -> str:
    """The language of an error, known before the file is parsed: --lang, the `lang = ...` line of the file
    (found by a pattern, so even a file that does not parse), the locale."""
    from ..core.messages import language

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
    args = parser().parse_args(argv)
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
