"""Publishing a report folder is all or nothing: killed at any moment (SIGKILL, which nothing can catch), the
output folder holds the old set or the new set, whole."""
from __future__ import annotations

import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from derive.outputs.report.write import STAGING, exchange, write_files

ROOT = Path(__file__).resolve().parents[1]

# A process that publishes 300 files with write_files (the path `variants` and `report` take) and is killed
# by a timer `delay` seconds after it starts writing (never, when delay < 0); it prints how long writing took.
WRITER = """
import os, signal, sys, threading, time
from pathlib import Path
from derive.outputs.report.write import write_files
out, text, delay = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
files = {f"f{i:03d}.md": f"{text} {i}\\n" * 50 for i in range(300)}
start = time.perf_counter()
if delay >= 0:
    threading.Timer(delay, lambda: os.kill(os.getpid(), signal.SIGKILL)).start()
write_files(out, files, {}, None)
print(time.perf_counter() - start)
"""


def contents(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def run(out: Path, text: str, delay: float) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WRITER, str(out), text, str(delay)], cwd=ROOT,
                          capture_output=True, text=True)


def test_exchange_swaps_two_folders_in_one_step(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "f").write_text("a")
    (tmp_path / "b" / "f").write_text("b")
    if not exchange(tmp_path / "a", tmp_path / "b"):
        pytest.skip("this system cannot swap two paths in one step (not Linux, or a file system without it)")
    assert (tmp_path / "a" / "f").read_text() == "b" and (tmp_path / "b" / "f").read_text() == "a"


@pytest.mark.slow
def test_a_kill_at_any_moment_leaves_the_old_set_or_the_new_set(tmp_path):
    if not exchange(tmp_path, tmp_path):                 # swapping a path with itself succeeds where supported
        pytest.skip("this system cannot swap two paths in one step")
    old = tmp_path / "old"
    old.mkdir()
    (old / "mine.txt").write_text("a file of the user's, kept by every run")
    first = run(old, "old", -1)
    assert first.returncode == 0, first.stderr
    old_set = contents(old)
    new = tmp_path / "new"
    shutil.copytree(old, new)
    finished = run(new, "new", -1)
    assert finished.returncode == 0, finished.stderr
    new_set = contents(new)
    assert old_set != new_set and new_set["mine.txt"] == old_set["mine.txt"]
    writing = float(finished.stdout)
    rng = random.Random(24)
    seen = {"old": 0, "new": 0}
    for seed in range(30):
        out = tmp_path / f"out{seed}"
        shutil.copytree(old, out)
        result = run(out, "new", rng.uniform(0, 1.3 * writing))
        now = contents(out)
        assert now in (old_set, new_set), f"seed {seed}: a mixed set after a kill ({result.returncode})"
        seen["new" if now == new_set else "old"] += 1
        assert not any(p.name.startswith(STAGING) for p in out.iterdir())     # nothing of derive's inside
    assert seen["old"] and seen["new"], seen                 # the kills landed on both sides of the swap
    again = run(tmp_path / "out0", "new", -1)                # a later run removes what killed runs left beside
    assert again.returncode == 0 and contents(tmp_path / "out0") == new_set
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(STAGING)]


def test_a_failed_publish_changes_nothing(tmp_path, monkeypatch):
    """A target that is a folder is refused before anything moves: the old set stays as it was."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.md").write_text("old")
    (out / "b.md").mkdir()
    before = contents(out)
    from derive.core.errors import DeriveError

    with pytest.raises(DeriveError, match="folder of that name"):
        write_files(out, {"a.md": "new", "b.md": "new"}, {}, None)
    assert contents(out) == before and (out / "b.md").is_dir()


def test_the_report_command_swaps_its_folder_whole(tmp_path):
    """`derive report` into a folder with other files: they stay, the report's files are the new ones, and no
    staging folder is left inside or beside it."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    from derive.apps import cli

    assert cli.main(["report", "ejercicio2", "--out", str(out), "--format", "md", "--lang", "en"]) == 0
    assert (out / "notes.txt").read_text() == "mine" and (out / "en" / "ejercicio2.md").exists()
    assert not [p for p in [*tmp_path.iterdir(), *out.iterdir()] if p.name.startswith(STAGING)]
