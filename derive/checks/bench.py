"""Ejercicio 1: time A @ B on each device honestly — medians, spreads, FLOP/s, and a physics check."""
from __future__ import annotations

import json
import math
import os
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field

from ..core.errors import DeriveError, Spot, os_reason
from ..model.benchspec import DEVICES, DTYPES, FULL, MAX_SIZE, QUICK, Spec, spec_of  # noqa: F401  (re-exported)
from ..core.i18n import Msg, columns, t

# Dense peak TFLOP/s of common GPUs (vendor data sheets, no sparsity) per arithmetic path.
GPU_PEAK_TFLOPS = {
    "H200": {"float64": 67, "float32": 67, "tf32": 495, "bfloat16": 990, "float16": 990},
    "H100": {"float64": 67, "float32": 67, "tf32": 495, "bfloat16": 990, "float16": 990},
    "A100": {"float64": 19.5, "float32": 19.5, "tf32": 156, "bfloat16": 312, "float16": 312},
    "L40S": {"float64": 1.5, "float32": 91.6, "tf32": 183, "bfloat16": 366, "float16": 366},
    "L4": {"float64": 0.5, "float32": 30.3, "tf32": 120, "bfloat16": 242, "float16": 242},
    "A10": {"float64": 1, "float32": 31.2, "tf32": 62.5, "bfloat16": 125, "float16": 125},
    "V100": {"float64": 7.8, "float32": 15.7, "tf32": 15.7, "bfloat16": 15.7, "float16": 125},
    "T4": {"float64": 0.26, "float32": 8.1, "tf32": 8.1, "bfloat16": 8.1, "float16": 65},
    "RTX 4090": {"float64": 1.3, "float32": 82.6, "tf32": 165, "bfloat16": 330, "float16": 330},
    "RTX 3090": {"float64": 0.6, "float32": 35.6, "tf32": 71, "bfloat16": 142, "float16": 142},
}


@dataclass
class Result:
    """One (device, dtype, n): seconds per A @ B, spread, GFLOP/s, and the checks beside it."""

    device: str
    dtype: str
    n: int
    median_s: float
    iqr_s: float
    gflops: float
    repeats: int
    calls_per_repeat: int
    copy_s: float | None = None          # host-to-device copy of A and B (accelerators only)
    reference_s: float | None = None     # torch.utils.benchmark's median, same thread count
    reference_iqr_s: float | None = None  # and its spread
    peak_gflops: float | None = None
    above_peak: bool = False
    control_s: float | None = None       # the same product with one CPU thread (CPU runs with several threads)
    others_cores: float | None = None    # CPU time other processes used during the measurement, in cores
    disturbed: list[str] = field(default_factory=list)   # codes of `disturbances`: not the hardware's speed


@dataclass
class Unavailable:
    device: str
    reason: str
    code: str = ""


@dataclass
class Bench:
    """All the measurements of one run, the devices that could not run, and where it ran."""

    results: list[Result]
    unavailable: list[Unavailable]
    environment: dict
    quick: bool
    stored: str | None = None      # the file these measurements were read from (report reuses one), else None

    def to_json(self) -> dict:
        return {"results": [asdict(r) for r in self.results],
                "unavailable": [asdict(u) for u in self.unavailable],
                "environment": self.environment, "quick": self.quick}

    @classmethod
    def from_json(cls, runs: list[dict]) -> "Bench":
        """Saved `bench --json` runs merged into one (a GPU run and a CPU run of the same machine):
        a device measured in any run is not listed as unavailable."""
        results = [Result(**r) for run in runs for r in run["results"]]
        measured = {r.device for r in results}
        unavailable = {u["device"]: Unavailable(**u) for run in runs for u in run["unavailable"]
                       if u["device"] not in measured}
        environment = {k: v for run in runs for k, v in run["environment"].items()}
        return cls(results, list(unavailable.values()), environment, all(run.get("quick") for run in runs))


# What every saved run must hold for the text, the report and the figure: the fields `run` always writes.
NEEDED_ENVIRONMENT = {"torch": str, "threads": int, "blas": str, "cpu": str, "cpu_count": (int, type(None)),
                      "cpu_capability": str, "float32_matmul_precision": str}
_NUMBER = (int, float)
_FIELD_TYPES = {"device": str, "dtype": str, "n": int, "median_s": _NUMBER, "iqr_s": _NUMBER, "gflops": _NUMBER,
                "repeats": int, "calls_per_repeat": int}


def malformed(data) -> Msg | None:
    """What is wrong with a saved `bench --json` run (a parsed JSON value), or None when it is whole: every
    part, field and type that the text, the report and the figure read."""
    if not isinstance(data, dict) or not {"results", "unavailable", "environment"} <= set(data):
        return Msg("err_bench_json_parts")
    env = data["environment"]
    if not isinstance(env, dict):
        return Msg("err_bench_json_env")
    for key, kind in NEEDED_ENVIRONMENT.items():
        if not isinstance(env.get(key), kind) or isinstance(env.get(key), bool):
            return Msg("err_bench_json_env_key", key=repr(key))
    for part, kind in (("results", Result), ("unavailable", Unavailable)):
        if not isinstance(data[part], list):
            return Msg("err_bench_json_list", part=repr(part))
        for item in data[part]:
            try:
                kind(**item)
            except TypeError:
                return Msg("err_bench_json_entry", part=repr(part))
            if kind is Result:
                for key, types in _FIELD_TYPES.items():
                    if not isinstance(item[key], types) or isinstance(item[key], bool):
                        return Msg("err_bench_json_field", key=repr(key))
                if item["median_s"] <= 0 or item["n"] <= 0:
                    return Msg("err_bench_json_positive")
    return None


def read_saved(path) -> dict:
    """A saved `bench --json` run, every part checked (`bench --from-json` and a report's stored run read it)."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise DeriveError(Msg("err_cannot_read_path", path=path, why=os_reason(e))) from None
    except json.JSONDecodeError as e:
        raise DeriveError(Msg("err_cannot_read_path", path=path, why=Msg("err_not_json", line=e.lineno, column=e.colno)),
                          Spot(str(path), e.lineno, e.colno)) from None
    except ValueError as e:            # not UTF-8
        raise DeriveError(Msg("err_cannot_read_path", path=path, why=Msg("err_utf8", why=str(e)))) from None
    problem = malformed(data)
    if problem:
        raise DeriveError(Msg("err_bench_json", problem=Msg("err_bench_json_at", path=path, problem=problem)))
    return data


# Why a measurement is one of the scheduler, not of the hardware: the codes `disturbances` finds, each said by
# report.i18n's b_why_<code> ("busy", "slower-than-one-thread").
MIN_WINDOW_S = 0.25       # shortest window whose CPU accounting is trusted (ticks are 10 ms per core)
BUSY_MARGIN = 0.25        # cores of other work tolerated beyond the cores torch's threads leave free
ONE_THREAD_MARGIN = 3     # N threads this many times slower than one: they waited for a core (small sizes
                          # are legitimately up to about 2x slower with threads: their overhead)


def disturbances(result: "Result", threads: int, cores: int) -> list[str]:
    """The disturbance codes that apply to a CPU measurement."""
    found = []
    if result.others_cores is not None and result.others_cores > max(0, cores - threads) + BUSY_MARGIN:
        found.append("busy")
    if result.control_s is not None and result.median_s > ONE_THREAD_MARGIN * result.control_s:
        found.append("slower-than-one-thread")
    return found


AGREEMENT = 0.10          # derive's median and torch.utils.benchmark's agree within this relative gap, or within
                          # the two measurements' own spread (IQR / median) where that is wider


def agreement(result: "Result") -> str | None:
    """What a measurement says of its comparison with torch.utils.benchmark (None when it has no reference):
    "disturbed" when other work disturbed it (the comparison then describes the scheduler), "agrees" when the
    medians are within AGREEMENT or within the two measurements' own spread, else "disagrees"."""
    if result.reference_s is None:
        return None
    if result.disturbed:
        return "disturbed"
    gap = abs(result.median_s / result.reference_s - 1)
    spread = result.iqr_s / result.median_s + (result.reference_iqr_s or 0) / result.reference_s
    return "agrees" if gap <= max(AGREEMENT, spread) else "disagrees"


def disturbance_text(result: "Result", threads: int, lang: str = "en") -> str:
    """Why a result is the scheduler's, not the hardware's: its disturbances in words (terminal and report)."""
    return "; ".join(t(lang, f"b_why_{code}", others=f"{result.others_cores or 0:.2f}", threads=threads,
                       median=seconds(result.median_s), control=seconds(result.control_s or 0))
                     for code in result.disturbed)


class CpuUse:
    """CPU time the rest of the machine used during a measurement (Linux /proc/stat; None elsewhere)."""

    def __enter__(self):
        self.start = self._sample()
        return self

    def __exit__(self, *exc):
        self.end = self._sample()

    @staticmethod
    def _sample():
        try:
            with open("/proc/stat") as f:
                fields = [int(v) for v in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        busy = sum(fields) - fields[3] - (fields[4] if len(fields) > 4 else 0)      # all but idle and iowait
        return busy / os.sysconf("SC_CLK_TCK"), time.process_time(), time.perf_counter()

    def others_cores(self) -> float | None:
        """None when unknown or when the window is too short for the kernel's 10 ms ticks."""
        if self.start is None or self.end is None or self.end[2] - self.start[2] < MIN_WINDOW_S:
            return None
        (busy0, own0, wall0), (busy1, own1, wall1) = self.start, self.end
        return max(0.0, (busy1 - busy0) - (own1 - own0)) / (wall1 - wall0)


# -- the exercise file ---------------------------------------------------------------------------

# -- devices and environment ---------------------------------------------------------------------

def unavailable_code(device: str) -> str | None:
    """Why `device` cannot run here (said by report.i18n's why_<code>), or None when it can."""
    import torch

    if device == "cuda":
        if not torch.backends.cuda.is_built():
            return "no-cuda-build"
        return None if torch.cuda.is_available() else "no-cuda-device"
    if device == "mps":
        if not torch.backends.mps.is_built():
            return "no-mps-build"
        return None if torch.backends.mps.is_available() else "no-mps-device"
    return None


def unavailable_reason(device: str) -> str | None:
    """The same in words (English: the JSON's and the default terminal's)."""
    import torch

    code = unavailable_code(device)
    return None if code is None else t("en", f"why_{code}", torch=torch.__version__)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cpu_clock_ghz() -> float | None:
    try:
        with open("/proc/cpuinfo") as f:
            mhz = [float(line.split(":")[1]) for line in f if line.startswith("cpu MHz")]
        return max(mhz) / 1000 if mhz else None
    except (OSError, ValueError):
        return None


def cpu_peak_parts(dtype: str) -> dict:
    """The factors of the CPU's peak: cores, clock (GHz, 1.5 x base for turbo), SIMD lanes, capability."""
    import torch

    cores = os.cpu_count() or 1
    capability = torch.backends.cpu.get_cpu_capability()
    bits = 512 if "512" in capability else 256 if "AVX2" in capability else 128
    width = {"float64": 64, "float16": 16, "bfloat16": 16}.get(dtype, 32)
    clock = _cpu_clock_ghz()
    return {"cores": cores, "ghz": 1.5 * clock if clock else 5.0, "lanes": bits // width, "capability": capability}


def cpu_peak_gflops(dtype: str) -> tuple[float, str]:
    """An upper bound for the CPU: cores x clock x SIMD lanes x 2 FMA units x 2 FLOP per FMA."""
    import torch

    cores = os.cpu_count() or 1
    capability = torch.backends.cpu.get_cpu_capability()
    bits = 512 if "512" in capability else 256 if "AVX2" in capability else 128
    width = {"float64": 64, "float16": 16, "bfloat16": 16}.get(dtype, 32)
    clock = _cpu_clock_ghz()
    # The reported clock is the base clock; turbo can reach about 1.5x, so allow for it.
    ghz = 1.5 * clock if clock else 5.0
    lanes = bits // width
    peak = cores * ghz * lanes * 2 * 2
    how = f"{cores} cores x {ghz:.2f} GHz (1.5 x base) x {lanes} lanes ({capability}) x 2 FMA units x 2"
    return peak, how


def gpu_peak_gflops(name: str, dtype: str) -> float | None:
    for key, peaks in GPU_PEAK_TFLOPS.items():
        if key.lower() in name.lower():
            return peaks.get(dtype, peaks["float32"]) * 1000
    return None


def _load_average() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (OSError, AttributeError):
        return None


def environment(devices: list[str]) -> dict:
    """Where the numbers came from: torch, threads, BLAS, matmul precision, CPU and GPU names."""
    import torch

    config = torch.__config__.show()
    blas = next((part.split("=", 1)[1] for part in config.replace(",", " ").split() if part.startswith("BLAS_INFO=")),
                "unknown")
    env = {"python": platform.python_version(), "torch": torch.__version__, "platform": platform.platform(),
           "cpu": _cpu_model(), "cpu_count": os.cpu_count(), "cpu_capability": torch.backends.cpu.get_cpu_capability(),
           "threads": torch.get_num_threads(), "blas": blas, "load_average": _load_average(),
           "float32_matmul_precision": torch.get_float32_matmul_precision(),
           "cuda_matmul_allow_tf32": torch.backends.cuda.matmul.allow_tf32,
           "cpu_peak_float32": dict(cpu_peak_parts("float32"), gflops=cpu_peak_gflops("float32")[0])}
    if "cuda" in devices and unavailable_reason("cuda") is None:
        env["cuda_device"] = torch.cuda.get_device_name()
        env["cuda_version"] = torch.version.cuda
    return env


# -- timing --------------------------------------------------------------------------------------

def _sync(device: str):
    import torch

    if device == "cuda":
        torch.cuda.synchronize()
    elif device == "mps":
        torch.mps.synchronize()


def time_calls(fn, device: str, repeats: int, block_s: float) -> tuple[list[float], int]:
    """Seconds per call of `fn`, `repeats` times: each repeat is a block of calls lasting >= block_s,
    synchronised before the clock starts and before it stops. One warm-up call first; the block size is
    grown until a block really lasts block_s (timing single calls would undersize it on a busy machine)."""
    fn()
    _sync(device)
    calls = 1
    while True:
        elapsed = _block(fn, device, calls)
        if elapsed >= block_s or calls >= 1_000_000:
            break
        calls = max(2 * calls, math.ceil(1.1 * calls * block_s / max(elapsed, 1e-9)))
    for _ in range(3):      # a stall during sizing leaves blocks too short: size them again from the medians
        blocks = [_block(fn, device, calls) for _ in range(repeats)]
        typical = statistics.median(blocks)
        if typical >= block_s / 2 or calls >= 1_000_000:
            break
        calls = math.ceil(1.1 * calls * block_s / max(typical, 1e-9))
    return [b / calls for b in blocks], calls


def _block(fn, device: str, calls: int) -> float:
    _sync(device)
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    _sync(device)
    return time.perf_counter() - start


def _iqr(samples: list[float]) -> float:
    if len(samples) < 4:
        return max(samples) - min(samples)
    q = statistics.quantiles(samples, n=4)
    return q[2] - q[0]


class _precision:
    """float32 matmul precision for one measurement: 'high' (TF32 allowed) for tf32, else 'highest'."""

    def __init__(self, dtype: str):
        self.mode = "high" if dtype == "tf32" else "highest"

    def __enter__(self):
        import torch

        self.saved = torch.get_float32_matmul_precision()
        torch.set_float32_matmul_precision(self.mode)

    def __exit__(self, *exc):
        import torch

        torch.set_float32_matmul_precision(self.saved)


def measure(device: str, dtype: str, n: int, repeats: int, block_s: float, reference_s: float | None) -> Result:
    """One matmul size on one device: data made there first, then timed; copies timed apart."""
    import torch

    real = getattr(torch, "float32" if dtype == "tf32" else dtype)
    a = torch.randn(n, n, dtype=real, device=device)
    b = torch.randn(n, n, dtype=real, device=device)
    c = torch.empty(n, n, dtype=real, device=device)
    product = lambda: torch.matmul(a, b, out=c)      # noqa: E731
    reference = reference_iqr = None
    with _precision(dtype), CpuUse() as use:     # the window covers the reference too: what it says of
        samples, calls = time_calls(product, device, repeats, block_s)      # the machine holds for both
        if reference_s:
            from torch.utils.benchmark import Timer

            timer = Timer("torch.matmul(a, b, out=c)", globals={"torch": torch, "a": a, "b": b, "c": c},
                          num_threads=torch.get_num_threads())
            measured = timer.blocked_autorange(min_run_time=reference_s)
            reference, reference_iqr = measured.median, measured.iqr
    copy = None
    if device != "cpu":
        host = (a.cpu(), b.cpu())
        copies, _ = time_calls(lambda: [h.to(device) for h in host], device, 5, 0.0)
        copy = statistics.median(copies)
    median = statistics.median(samples)
    gflops = 2 * n**3 / median / 1e9
    if device == "cpu":
        peak = cpu_peak_gflops(dtype)[0]
    else:
        peak = gpu_peak_gflops(torch.cuda.get_device_name() if device == "cuda" else "", dtype)
    result = Result(device, dtype, n, median, _iqr(samples), gflops, repeats, calls, copy, reference,
                    reference_iqr, peak, peak is not None and gflops > peak)
    if device == "cpu":
        threads = torch.get_num_threads()
        result.others_cores = use.others_cores()
        if threads > 1:
            result.control_s = _one_thread(product, dtype, block_s)
        result.disturbed = disturbances(result, threads, os.cpu_count() or 1)
    return result


def _one_thread(product, dtype: str, block_s: float) -> float:
    """The median of the same product on one thread: the control a busy machine cannot fake."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with _precision(dtype):
            samples, _ = time_calls(product, "cpu", 3, block_s)
    finally:
        torch.set_num_threads(threads)
    return statistics.median(samples)


def run(spec: Spec, quick: bool = False, progress: bool = False) -> Bench:
    """Every requested (device, dtype, size); an unavailable device is listed, never replaced."""
    import torch

    unavailable, devices = [], []
    for device in spec.devices:
        code = unavailable_code(device)
        if code is None:
            devices.append(device)
        else:
            unavailable.append(Unavailable(device, unavailable_reason(device), code))
    sizes = spec.quick_sizes() if quick else spec.sizes
    repeats = QUICK["repeats"] if quick else spec.repeats
    block = QUICK["block_s"] if quick else FULL["block_s"]
    reference = None if quick else FULL["reference_s"]
    jobs = [(dev, dt, n) for dev in devices for dt in spec.dtypes for n in sizes]
    results = []
    torch.manual_seed(0)
    jobs.sort(key=lambda job: (job[0], DTYPES.index(job[1]), job[2]))
    env = environment(spec.devices)
    with CpuUse() as use:
        for i, (dev, dt, n) in enumerate(jobs):
            if progress:
                _progress(i, len(jobs), f"{dev} {dt} n={n}")
            if dt == "tf32" and dev == "cpu":
                continue        # TF32 is a tensor-core path; on the CPU it is plain float32
            results.append(measure(dev, dt, n, repeats, block, reference))
    if progress:
        _progress(len(jobs), len(jobs), "done")
        print(file=sys.stderr)
    env["others_cores"] = use.others_cores()
    for r in results:      # a measurement too short to judge alone is judged by the whole run
        if r.device == "cpu" and r.others_cores is None and env["others_cores"] is not None:
            r.others_cores = env["others_cores"]
            r.disturbed = disturbances(r, env["threads"], env["cpu_count"] or 1)
    return Bench(results, unavailable, env, quick)


def _progress(done: int, total: int, label: str):
    width = 30
    filled = width * done // max(total, 1)
    print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<28}", end="", file=sys.stderr,
          flush=True)


# -- text ----------------------------------------------------------------------------------------

def seconds(t: float) -> str:
    """A duration with a unit a person reads at a glance."""
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if t >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t / 1e-9:.3g} ns"


def to_text(bench: Bench, lang: str = "en") -> str:
    """The table a terminal shows, then the devices that could not run and the environment."""
    env = bench.environment
    device, dtype, n, median, iqr, gflops, notes = columns(lang, "cli_b_header")
    wide = max(6, len(device))
    lines = [f"{device:<{wide}} {dtype:<9} {n:>6} {median:>10} {iqr:>10} {gflops:>9}  {notes}"]
    for r in bench.results:
        notes = []
        if r.reference_s:
            notes.append(f"torch.utils.benchmark {seconds(r.reference_s)} ({100 * (r.median_s / r.reference_s - 1):+.1f} %)")
        if r.copy_s is not None:
            notes.append(t(lang, "cli_b_copy", time=seconds(r.copy_s)))
        if r.control_s is not None:
            notes.append(t(lang, "cli_b_one_thread", time=seconds(r.control_s)))
        if r.above_peak:
            notes.append(t(lang, "cli_b_above_peak", peak=f"{r.peak_gflops:.0f}"))
        if r.disturbed:
            notes.append(t(lang, "cli_b_disturbed", why=disturbance_text(r, env["threads"], lang)))
        shown = f"({r.gflops:.1f})" if r.disturbed else f"{r.gflops:.1f}"
        lines.append(f"{r.device:<{wide}} {r.dtype:<9} {r.n:>6} {seconds(r.median_s):>10} {seconds(r.iqr_s):>10} "
                     f"{shown:>9}  {'; '.join(notes)}")
    for u in bench.unavailable:
        reason = u.reason if lang == "en" else t(lang, f"why_{u.code}", torch=env["torch"])
        lines.append(t(lang, "cli_b_unavailable", device=u.device, reason=reason))
    lines.append(t(lang, "cli_b_environment", torch=env["torch"], threads=env["threads"], blas=env["blas"],
                   precision=repr(env["float32_matmul_precision"]), cpu=env["cpu"], capability=env["cpu_capability"])
                 + (f", GPU {env['cuda_device']}" if "cuda_device" in env else ""))
    if not any(r.device != "cpu" for r in bench.results):
        lines.append(t(lang, "cli_b_no_gpu"))
    if any(r.disturbed for r in bench.results):
        lines.append(t(lang, "cli_b_busy"))
    return "\n".join(lines)
