"""The bundled exercises and their titles, read without parsing a formula (so `derive list` needs neither
SymPy nor torch)."""
from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path


def bundled() -> dict[str, Path]:
    """The exercises shipped inside the package, by name (ejercicio1, ejercicio2, ...)."""
    folder = resources.files("derive") / "exercises"
    return {Path(p.name).stem: Path(str(p)) for p in folder.iterdir() if p.name.endswith(".toml")}


def title_for(exercise, lang: str) -> str | None:
    """The exercise's title in `lang`, else its only or first title."""
    titles = exercise.title
    return titles.get(lang) or titles.get("any") or next(iter(titles.values()), None) if titles else None



def summary(path: Path) -> tuple[str, str]:
    """(kind, title) of an exercise file from its TOML alone."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    kind = data.get("kind", "gradient" if "formulas" in data else "?")
    title = data.get("title")
    lang = data.get("lang") or "en"
    if isinstance(title, dict):
        title = title.get(lang) or next(iter(title.values()), "")
    return kind, title or ""
