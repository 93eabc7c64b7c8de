"""The matrix-multiply benchmark as a report section: method, environment, results, honest conclusion."""
from __future__ import annotations

from ...checks.bench import QUICK, Bench, cpu_peak_gflops, cpu_peak_parts, disturbance_text, seconds
from . import figures
from .doc import Code, Heading, Items, M, Para, Report, Table, rich
from ...core.i18n import t

NOTEBOOK_SIZE = 1000        # Ejercicio 1 times 1000 x 1000 matrices


def build(stem: str, title: str, file: str, bench: Bench, lang: str) -> Report:
    r = Report(stem, lang, title)
    r.add(Heading(2, [t(lang, "b_statement")]), Para(rich(t(lang, "b_statement_text"))))
    _method(r, bench, file, lang)
    _environment(r, bench, lang)
    _results(r, bench, lang)
    _conclusion(r, bench, lang)
    r.add(Heading(2, [t(lang, "reproduce")]), Para([t(lang, "reproduce_intro")]), Code(_script(lang)))
    return r


def _method(r: Report, bench: Bench, file: str, lang: str):
    repeats = bench.results[0].repeats if bench.results else QUICK["repeats"]
    block = round(1000 * (QUICK["block_s"] if bench.quick else 0.05))
    # the peak of the machine that measured (a stored run's own), else of this one
    parts = bench.environment.get("cpu_peak_float32") or dict(cpu_peak_parts("float32"),
                                                                gflops=cpu_peak_gflops("float32")[0])
    how = t(lang, "b_peak_how", cores=parts["cores"], ghz=f"{parts['ghz']:.2f}", lanes=parts["lanes"],
            capability=parts["capability"], peak=f"{parts['gflops']:.0f}")
    items = t(lang, "b_method_items", block=block, repeats=repeats, peak_how=how)
    r.add(Heading(2, [t(lang, "b_method")]), Items([rich(i) for i in items.split("|")]))
    if bench.quick:
        r.add(Para(rich(t(lang, "b_quick", repeats=repeats, file=file))))
    if bench.stored:
        r.add(Para(rich(t(lang, "b_stored", stored=bench.stored, file=file))))


def _environment(r: Report, bench: Bench, lang: str):
    env = bench.environment
    rows = [("b_env_torch", env["torch"]), ("b_env_threads", str(env["threads"])), ("b_env_blas", env["blas"]),
            ("b_env_precision", env["float32_matmul_precision"]),
            ("b_env_cpu", f"{env['cpu']} ({env['cpu_count']}, {env['cpu_capability']})"),
            ("b_env_gpu", env.get("cuda_device") or t(lang, "b_env_none"))]
    if env.get("load_average"):
        rows.append(("b_env_load", ", ".join(f"{v:g}" for v in env["load_average"])))
    r.add(Heading(2, [t(lang, "b_environment")]),
          Table([[t(lang, "b_setting")], [t(lang, "b_value")]], [[[t(lang, k)], [v]] for k, v in rows], "ll"))


def _results(r: Report, bench: Bench, lang: str):
    header = [[t(lang, "b_col_device")], [t(lang, "b_col_dtype")], [M("n")], [t(lang, "b_col_median")], [t(lang, "b_col_iqr")],
              ["GFLOP/s"]]
    copies = any(x.copy_s is not None for x in bench.results)
    references = any(x.reference_s for x in bench.results)
    header += ([[t(lang, "b_col_copy")]] if copies else []) + ([[t(lang, "b_col_reference")]] if references else [])
    rows = []
    for x in bench.results:
        gflops = f"({x.gflops:.1f})" if x.disturbed else f"{x.gflops:.1f}"
        row = [[x.device], [x.dtype], [str(x.n)], [seconds(x.median_s)], [seconds(x.iqr_s)], [gflops]]
        if copies:
            row.append([seconds(x.copy_s) if x.copy_s is not None else "—"])
        if references:
            row.append([seconds(x.reference_s) if x.reference_s else "—"])
        rows.append(row)
    r.add(Heading(2, [t(lang, "b_results")]), Table(header, rows, "llrrrr" + "r" * (len(header) - 6)))
    import torch

    notes = [rich(t(lang, "b_unavailable", device=u.device, reason=t(lang, f"why_{u.code}", torch=torch.__version__)))
             for u in bench.unavailable]
    notes += [rich(t(lang, "b_above_peak", device=x.device, dtype=x.dtype, n=x.n, g=f"{x.gflops:.0f}",
                     peak=f"{x.peak_gflops:.0f}")) for x in bench.results if x.above_peak]
    notes += [rich(t(lang, "b_disturbed", device=x.device, dtype=x.dtype, n=x.n,
                     why=disturbance_text(x, bench.environment["threads"], lang)))
              for x in bench.results if x.disturbed]
    if notes:
        r.add(Items(notes))
    r.figure(f"{r.stem}.gflops", lambda path, formats: figures.bench_figure(bench, lang, path, formats),
             [t(lang, "b_fig_caption")], 0.75)


def _conclusion(r: Report, bench: Bench, lang: str):
    r.add(Heading(2, [t(lang, "b_conclusion")]))
    if any(x.disturbed for x in bench.results):
        r.add(Para([t(lang, "b_disturbed_conclusion")]))
    gpu = [x for x in bench.results if x.device != "cpu"]
    if not gpu:
        r.add(Para([t(lang, "b_no_gpu")]))
        return
    cpu = {(x.dtype, x.n): x for x in bench.results if x.device == "cpu" and not x.disturbed}
    lines = []
    for dev, dtype in dict.fromkeys((x.device, x.dtype) for x in gpu):
        base = "float32" if dtype == "tf32" else dtype
        shared = {x.n: x for x in gpu if x.device == dev and x.dtype == dtype and (base, x.n) in cpu}
        # the notebook's own size (1000) where it was measured, and the largest size measured on both
        for n, key in sorted({(n, "b_gpu_notebook") for n in shared if n == NOTEBOOK_SIZE}
                             | ({(max(shared), "b_gpu")} if shared else set())):
            top, c = shared[n], cpu[(base, n)]
            lines.append(rich(t(lang, key, n=n, device=dev, dtype=dtype, tg=seconds(top.median_s),
                                tc=seconds(c.median_s), speedup=f"{c.median_s / top.median_s:.1f}x")))
    r.add(Items(lines) if lines else Para([t(lang, "b_no_gpu")]))


def _script(lang: str) -> str:
    return "\n".join([
        "import torch",
        "from torch.utils.benchmark import Timer", "",
        t(lang, "code_bench"),
        "n = 1000",
        "A, B = torch.randn(n, n), torch.randn(n, n)",
        "timer = Timer('A @ B', globals={'A': A, 'B': B}, num_threads=torch.get_num_threads())",
        "m = timer.blocked_autorange(min_run_time=0.2)",
        "print(f'{m.median * 1e3:.2f} ms, {2 * n**3 / m.median / 1e9:.1f} GFLOP/s')",
        f"print({t(lang, 'code_available', device='cuda')!r}, torch.cuda.is_available())",
        f"print({t(lang, 'code_available', device='mps')!r}, torch.backends.mps.is_available())",
    ]) + "\n"
