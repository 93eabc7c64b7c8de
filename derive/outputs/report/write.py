"""Writing reports: everything is made in a staging folder and put in place only when all of it succeeded, in
one swap of the whole output folder, so neither a crash nor a kill ever leaves half a report."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ...core.errors import DeriveError, os_reason
from ...core import parallel
from .doc import Report
from ...core.i18n import Msg
from . import html, markdown, notebook, tex

TEX_HINT = "install a TeX engine (Debian: apt-get install texlive-latex-base texlive-latex-recommended latexmk)"


def tex_engine() -> list[str] | None:
    """The command that turns a .tex file into a PDF here, or None."""
    if shutil.which("latexmk") and shutil.which("pdflatex"):
        return ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-quiet"]
    if shutil.which("pdflatex"):
        return ["pdflatex", "-interaction=nonstopmode", "-halt-on-error"]
    return None


def compile_pdf(tex_file: Path, engine: list[str], timeout: int = 120) -> tuple[Path | None, str]:
    """Compile in a scratch folder beside the .tex; (the PDF, "") or (None, the log's last lines)."""
    scratch = Path(tempfile.mkdtemp(prefix="tex-", dir=tex_file.parent))
    try:
        for f in tex_file.parent.iterdir():
            if f.is_file() and (f.suffix == ".pdf" or f == tex_file):
                shutil.copy(f, scratch / f.name)
        runs = 1 if engine[0] == "latexmk" else 2
        for _ in range(runs):
            done = subprocess.run(engine + [tex_file.name], cwd=scratch, capture_output=True, text=True,
                                  timeout=timeout, env={**os.environ, "SOURCE_DATE_EPOCH": "0"})
        pdf = scratch / (tex_file.stem + ".pdf")
        if done.returncode != 0 or not pdf.exists():
            log = scratch / (tex_file.stem + ".log")
            text = log.read_text(errors="replace") if log.exists() else done.stdout + done.stderr
            return None, "\n".join(text.splitlines()[-25:])
        target = tex_file.with_suffix(".pdf")
        os.replace(pdf, target)
        return target, ""
    except subprocess.TimeoutExpired:
        return None, Msg("err_tex_timeout", engine=engine[0], seconds=timeout)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def compile_all(tex_files: list[Path], engine, published: Path | None = None, keep_tex: bool = True) -> list[str]:
    """Every .tex file to a PDF beside it, as many latexmk at once as there are cores (each is its own process;
    threads only wait for them). A PDF already published (in published/<the .tex's folder name>/) that was made
    from the same .tex and the same figure files is copied instead. Returns problems (a PDF that did not
    compile), each named by its folder and file when published is given."""
    from concurrent.futures import ThreadPoolExecutor

    def one(tex_file: Path) -> str | None:
        previous = published / tex_file.parent.name if published is not None else None
        if previous is not None and unchanged_pdf(tex_file, previous):
            shutil.copyfile(previous / f"{tex_file.stem}.pdf", tex_file.with_suffix(".pdf"))
            return None
        pdf, log = compile_pdf(tex_file, engine)
        where = f"{tex_file.parent.name}/" if published is not None else ""
        return None if pdf is not None else Msg("err_pdf_failed", file=f"{where}{tex_file.stem}.pdf", log=log)

    with ThreadPoolExecutor(max(1, min(parallel.cores(), len(tex_files)))) as pool:
        problems = [p for p in pool.map(one, tex_files) if p]
    if not keep_tex:
        for tex_file in tex_files:
            tex_file.unlink()
    return problems


_FIGURE = re.compile(r"\\includegraphics(?:\[[^\]]*\])?\{([^}]+)\}")


def unchanged_pdf(tex_file: Path, previous: Path) -> bool:
    """Whether previous/NAME.pdf was compiled from this very source: NAME.tex there is byte for byte this one
    and not newer than the PDF (a later `--format tex` run may have replaced it alone), and so is every figure
    file it includes (figures and PDFs are written reproducibly, SOURCE_DATE_EPOCH=0)."""
    old_tex, old_pdf = previous / tex_file.name, previous / f"{tex_file.stem}.pdf"
    try:
        if not old_pdf.is_file() or old_pdf.stat().st_mtime < old_tex.stat().st_mtime:
            return False
        source = tex_file.read_bytes()
        if old_tex.read_bytes() != source:
            return False
        return all((previous / name).read_bytes() == (tex_file.parent / name).read_bytes()
                   for name in _FIGURE.findall(source.decode("utf-8", "replace")))
    except OSError:
        return False


def render(report: Report, folder: Path, formats: set[str]) -> list[Path]:
    """All files of one report into `folder`; returns the .tex files whose PDF is wanted."""
    for name, text in report.attachments.items():
        (folder / name).write_text(text, encoding="utf-8")
    if "md" in formats:
        (folder / f"{report.stem}.md").write_text(markdown.render(report), encoding="utf-8")
    if "html" in formats:
        (folder / f"{report.stem}.html").write_text(html.render(report, folder), encoding="utf-8")
    if "ipynb" in formats:
        (folder / f"{report.stem}.ipynb").write_text(notebook.render(report, folder), encoding="utf-8")
    if formats & {"tex", "pdf"}:
        tex_file = folder / f"{report.stem}.tex"
        tex_file.write_text(tex.render(report), encoding="utf-8")
        if "pdf" in formats:
            return [tex_file]
    return []


def publish(staging: Path, out: Path) -> list[Path]:
    """Put every staged file at the same place under `out`, all at once: `out` is mirrored beside itself (hard
    links, so nothing is copied), the staged files laid over the mirror, and the two folders swapped in one
    system call, so a kill at any moment leaves the old set or the new set whole, never half of each. Where
    the swap cannot be made (not Linux, a file system without it, `out` holding the working folder) the files
    are moved one by one. Every target is checked first (inside `out`, not a folder, not through a symbolic
    link), so a refusal leaves the output as it was."""
    moves = _planned(staging, out)
    if not _swapped(moves, out):
        for f, target in moves:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(f, target)
    return [target for _, target in moves]


MAX_MIRRORED = 20_000          # entries of an output folder mirrored for the swap; past it, files move one by one


def _swapped(moves: list[tuple[Path, Path]], out: Path) -> bool:
    """The whole new set published by one exchange of `out` with its updated mirror; False where it could not be
    (nothing under `out` has changed then)."""
    if not _can_swap(out):
        return False
    try:
        twin = Path(tempfile.mkdtemp(prefix=f"{STAGING}{os.getpid()}-", dir=out.parent))
    except OSError:
        return False
    try:
        os.chmod(twin, os.stat(out).st_mode & 0o7777)
        if not _mirror(out, twin):
            return False
        for f, target in moves:
            laid = twin / target.relative_to(out)
            laid.parent.mkdir(parents=True, exist_ok=True)
            if laid.exists() or laid.is_symlink():
                laid.unlink()                      # a link to the old file: never written through
            os.link(f, laid)
        return exchange(out, twin)
    except OSError:
        return False
    finally:
        shutil.rmtree(twin, ignore_errors=True)    # after the swap: the old set


def _can_swap(out: Path) -> bool:
    if not sys.platform.startswith("linux") or not out.is_dir() or out.parent == out:
        return False
    here = Path.cwd().resolve()
    return here != out and out not in here.parents and os.access(out.parent, os.W_OK)


def _mirror(source: Path, target: Path) -> bool:
    """`source`'s tree again under `target`: folders made, files hard-linked (copied across devices), links as
    links; derive's own staging folders left out. False past MAX_MIRRORED entries."""
    count = 0
    for root, folders, files in os.walk(source):
        here = Path(root)
        folders[:] = [f for f in folders if not (here == source and f.startswith(STAGING))]
        there = target / here.relative_to(source)
        for name in folders + files:
            count += 1
            if count > MAX_MIRRORED:
                return False
            old, new = here / name, there / name
            if old.is_symlink():
                os.symlink(os.readlink(old), new)
            elif name in folders:
                new.mkdir()
                os.chmod(new, os.stat(old).st_mode & 0o7777)
            else:
                try:
                    os.link(old, new)
                except OSError:
                    shutil.copy2(old, new)
    return True


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux's renameat2 with RENAME_EXCHANGE); False where the system cannot."""
    import ctypes
    import platform

    libc = ctypes.CDLL(None, use_errno=True)
    fsencode = os.fsencode
    AT_FDCWD, RENAME_EXCHANGE = -100, 2
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        done = renameat2(AT_FDCWD, fsencode(str(a)), AT_FDCWD, fsencode(str(b)), RENAME_EXCHANGE)
    else:                                          # a C library older than glibc 2.28: the system call itself
        number = {"x86_64": 316, "aarch64": 276}.get(platform.machine())
        if number is None:
            return False
        done = libc.syscall(number, AT_FDCWD, fsencode(str(a)), AT_FDCWD, fsencode(str(b)), RENAME_EXCHANGE)
    return done == 0


def _planned(staging: Path, out: Path) -> list[tuple[Path, Path]]:
    """Each staged file with its target under `out`, every target checked."""
    moves = []
    for f in sorted(staging.rglob("*")):
        if not f.is_file():
            continue
        rel = f.relative_to(staging)
        target = out / rel
        resolved = target.resolve()
        if out not in resolved.parents:
            raise DeriveError(Msg("err_outside", out=out, path=resolved))
        for part in [target, *target.parents]:
            if part == out:
                break
            if part.is_symlink():
                raise DeriveError(Msg("err_symlink", path=part), hint=Msg("err_symlink_fix"))
        if target.is_dir():
            raise DeriveError(Msg("err_folder_in_way", target=target), hint=Msg("err_folder_in_way_fix"))
        for parent in target.parents:
            if parent == out:
                break
            if parent.exists() and not parent.is_dir():
                raise DeriveError(Msg("err_file_not_folder", target=target, parent=parent))
        moves.append((f, target))
    return moves


STAGING = ".derive-staging-"


def _staging(out: Path) -> Path:
    """A fresh folder for one run's files: beside `out` where `out` can be swapped whole (so a kill leaves
    nothing inside it), else inside it. Staging folders of runs that died are removed first."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DeriveError(Msg("err_create_folder", out=out, why=os_reason(e))) from None
    _clean_stale(out)
    if _can_swap(out):
        _clean_stale(out.parent)
        try:
            return Path(tempfile.mkdtemp(prefix=f"{STAGING}{os.getpid()}-", dir=out.parent))
        except OSError:
            pass
    return Path(tempfile.mkdtemp(prefix=f"{STAGING}{os.getpid()}-", dir=out))


def _clean_stale(out: Path):
    """Remove staging folders left by runs that died (kill -9): their process no longer exists."""
    for folder in out.glob(f"{STAGING}*"):
        pid = folder.name[len(STAGING):].split("-")[0]
        if not pid.isdigit() or not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def figure_formats(formats: set[str]) -> tuple[str, ...]:
    """PNG for Markdown, notebooks and HTML (embedded there), PDF for LaTeX: only the formats asked for are
    drawn."""
    return ("png",) * bool(formats & {"md", "ipynb", "html"}) + ("pdf",) * bool(formats & {"tex", "pdf"})


def draw_figures(reports: list[Report], staging: Path, formats: set[str]):
    """Every figure of every report, each drawn once (a figure without words, the graph, is shared by the
    languages), across the cores: figures are most of a report's time."""
    kinds = figure_formats(formats)
    jobs, copies, seen = [], [], {}
    for report in reports:
        for name, draw in report.figures.items():
            path = staging / report.lang / name
            key = (name, getattr(draw, "shared", None))
            if key[1] is not None and key in seen:
                copies.append((seen[key], path))
                continue
            seen[key] = path
            vector = ("svg",) if name.endswith(".graph") and "html" in formats else ()   # zooms on a phone
            jobs.append((draw, str(path), kinds + vector))
    if jobs:
        from .figures import pyplot

        pyplot()            # imported once before the workers fork, not once in each of them (about 1 s)
    parallel.map_jobs([lambda draw=draw, path=path, kinds=drawn: draw(path, kinds) for draw, path, drawn in jobs])
    for source, target in copies:
        for kind in kinds + ("svg",):
            if Path(f"{source}.{kind}").exists():
                shutil.copyfile(f"{source}.{kind}", f"{target}.{kind}")


def write(reports: list[Report], out: Path, formats: set[str], engine) -> tuple[list[Path], list[str]]:
    """Render all reports into out/<lang>/, atomically as a whole."""
    out = out.resolve()
    staging = _staging(out)
    try:
        problems = []
        for report in reports:
            (staging / report.lang).mkdir(exist_ok=True)
        draw_figures(reports, staging, formats)
        tex_files = [f for report in reports for f in render(report, staging / report.lang, formats)]
        if tex_files and engine:
            problems += compile_all(tex_files, engine, out, keep_tex="tex" in formats)
        elif "tex" not in formats:
            for tex_file in tex_files:
                tex_file.unlink()
        if problems:                 # all or nothing: the output stays as it was
            return [], problems + [Msg("err_nothing_written", out=out)]
        if not formats & {"md", "ipynb"}:
            for png in staging.rglob("*.png"):      # embedded in the HTML: no loose copies
                png.unlink()
        return publish(staging, out), problems
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_files(out: Path, files: dict[str, str], latex: dict[str, str], engine) -> tuple[list[Path], list[str]]:
    """Text files, and LaTeX sources compiled to PDF (only the PDF is kept), into `out`, atomically."""
    out = out.resolve()
    staging = _staging(out)
    try:
        problems = []
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        tex_files = []
        for name, source in latex.items() if engine else ():
            tex_files.append(staging / name)
            tex_files[-1].write_text(source, encoding="utf-8")
        if tex_files:
            problems += compile_all(tex_files, engine, keep_tex=False)
        if problems:
            return [], problems + [Msg("err_nothing_written", out=out)]
        return publish(staging, out), problems
    finally:
        shutil.rmtree(staging, ignore_errors=True)
