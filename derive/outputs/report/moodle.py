"""A Moodle XML question bank from checked variants (`variants --format moodle`): one category per exercise,
one cloze question per variant with a NUMERICAL field per answer (a partial derivative, or an unknown),
each with its tolerance; the statement as HTML with TeX between \\( \\) for Moodle's MathJax filter, the
graph embedded as a base64 file (@@PLUGINFILE@@), and the full worked solution as general feedback.
Written for what question/format/xml/format.php (import_multianswer, import_headers) reads."""
from __future__ import annotations

import base64
import re
from html import escape
import xml.etree.ElementTree as ET

import mpmath
from . import stem_of
from ... import pipeline
from ...core.i18n import Listing, t
from ...model.exercise import title_for
from .figures import graph_figure
from .html import tex_math
from .mathtex import name, tex
from .mistakes import STEP

ANSWER_DIGITS = 10               # significant digits of each stored answer
PENALTY = "0.3333333"            # Moodle's default penalty for a wrong try


def number(value) -> str:
    """A decimal Moodle's NUMBER_REGEX reads: -?digits[.digits][e[-+]digits], no spaces or grouping."""
    text = mpmath.nstr(mpmath.mpf(value), ANSWER_DIGITS, min_fixed=-4, max_fixed=ANSWER_DIGITS)
    return text.replace("e+", "e")


FLOOR_FRACTION = mpmath.mpf("1e-3")    # an answer's absolute tolerance is never below this share of the question's
                                       # relative tolerance of its largest answer (Moodle's tolerance is absolute:
                                       # 1 % of an exact 0 is 0, and only an exact 0 would then be accepted)


def _error(value, tolerance: float, floor=0):
    error = max(abs(mpmath.mpf(value)) * mpmath.mpf(tolerance), mpmath.mpf(floor))
    return error if error else 0


def field(value, tolerance: float, floor=0, feedback=None, lang: str = "en") -> str:
    """One cloze NUMERICAL field: the answer, worth 100 %, within an absolute error: `tolerance` of the answer,
    and never less than `floor`. With `feedback` (mistakes.Feedback): then each value a known mistake gives,
    worth 0 %, with the sentence that names the mistake (a value two mistakes give: both, as such), and a
    catch-all for any other answer."""
    alternatives = ["=" + number(value) + ":" + number(_error(value, tolerance, floor)) + "#" + _said(t(lang, "m_right"))]
    if feedback is not None:
        for wrong, said in feedback.wrong:
            text = t(lang, "m_mistake", mistake=said[0])
            alternatives.append(f"%0%{number(wrong)}:{number(_error(wrong, tolerance, floor))}#{_said(text)}")
        for wrong, said in feedback.ambiguous:
            text = t(lang, "k_ambiguous", mistakes=Listing(said, "list_semicolon"))
            alternatives.append(f"%0%{number(wrong)}:{number(_error(wrong, tolerance, floor))}#{_said(text)}")
        alternatives.append("%0%*#" + _said(t(lang, "m_other")))
    return "{1:NUMERICAL:" + "~".join(alternatives) + "}"


def _said(text: str) -> str:
    """A feedback sentence as a cloze field holds it: Moodle ends a feedback at ~ or } and reads \\} and \\# back
    as } and #, then decodes HTML entities once and keeps the result as HTML (so a < in a name is escaped twice)."""
    return escape(escape(text)).replace("~", "∼").replace("}", "\\}").replace("#", "\\#")


def floor_of(values, tolerance: float):
    """The absolute floor of a question's tolerances, from the scale of its answers."""
    scale = max((abs(mpmath.mpf(v)) for v in values), default=mpmath.mpf(0))
    return scale * mpmath.mpf(tolerance) * FLOOR_FRACTION if scale else mpmath.mpf("1e-9")


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")     # characters XML 1.0 cannot hold


def _text(parent, tag: str, text: str, fmt: str | None = None) -> ET.Element:
    """A Moodle field: `text` (already HTML where fmt is "html") with what XML 1.0 cannot hold (a BEL or NUL in
    a title) written as a space; ElementTree escapes the rest for XML."""
    element = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(element, "text").text = _NOT_XML.sub(" ", text)
    return element


def _asked(v, ex, lang: str, tolerance: float) -> str:
    """The question's last part: the instruction and one line with a field per answer."""
    if ex.kind == "gradient":       # one field per partial derivative, a tensor's element by element
        asked = [(rf"\frac{{\partial {name(ex.target)}}}{{\partial {_indexed(name(x), i)}}}", value,
                  v.mistakes.get((x, i))) for x in v.answers for i, value in v.elements(x)]
    else:
        asked = [(name(u), mpmath.mpf(_decimal_text(a)), None) for u, a in v.answers.items()]
    floor = floor_of([value for _, value, _ in asked], tolerance)
    ask = t(lang, "m_ask_gradient" if ex.kind == "gradient" else "m_ask_system", tolerance=f"{tolerance:.0%}",
            floor=number(floor))
    part = f"<p>{ask}</p>{_fields(asked, tolerance, floor, lang)}"
    steps = [(rf"{{{name(key[:-len(STEP)])}}}'{_index(i)}", f.right, f) for (key, i), f in v.mistakes.items()
             if key.endswith(STEP)]
    if not steps or ex.step is None:
        return part
    step_floor = floor_of([value for _, value, _ in steps], tolerance)
    ask_step = t(lang, "m_ask_step", rate=tex_math(rf"\eta = {tex(ex.step.learning_rate)}"), floor=number(step_floor))
    return part + f"<p>{ask_step}</p>{_fields(steps, tolerance, step_floor, lang)}"


def _fields(asked: list, tolerance: float, floor, lang: str) -> str:
    """One line per answer: its label, then its cloze field."""
    return "<ul>" + "".join(f"<li>{tex_math(label)} = {field(value, tolerance, floor, feedback, lang)}</li>"
                            for label, value, feedback in asked) + "</ul>"


def _indexed(name_tex: str, index: tuple) -> str:
    """An element's name: W_{1} at (0, 0) is {W_{1}}_{0,0} (never W_{1}_{0,0}, a double subscript TeX refuses)."""
    return name_tex if not index else "{" + name_tex + "}" + _index(index)


def _index(index: tuple) -> str:
    return "" if not index else "_{" + ",".join(str(i) for i in index) + "}"


def _decimal_text(exact) -> str:
    """An exact rational (a linear system's unknown) as a decimal string."""
    return str(exact.evalf(ANSWER_DIGITS + 5))


def bank(chosen: list, ex, lang: str, seed: int, tolerance: float, graph_png: bytes | None) -> str:
    """The XML file: a category, then one cloze question per variant."""
    from os.path import basename

    stem = stem_of(ex.path)
    title = " ".join((title_for(ex, lang) or stem).split())     # names and paths are one line of plain text
    quiz = ET.Element("quiz")
    category = ET.SubElement(quiz, "question", {"type": "category"})
    _text(category, "category", "$course$/top/derive/" + title.replace("/", "//"))
    # an HTML field: the user's text escaped for HTML here, and the whole field for XML by ElementTree (twice
    # in the file, so `a < b` and `<script>` arrive in Moodle as text, never as markup)
    _text(category, "info", t(lang, "m_category", title=escape(title), file=escape(basename(ex.path)), seed=seed),
          "html")
    image = f"{stem}-graph.png"
    for v in chosen:
        q = ET.SubElement(quiz, "question", {"type": "cloze"})
        _text(q, "name", f"{title} — {t(lang, 'v_variant', number=v.number)}")
        figure = (f'<p><img src="@@PLUGINFILE@@/{image}" alt="{t(lang, "m_graph_alt")}" '
                  'style="max-width: 100%"></p>') if graph_png else ""
        text = _text(q, "questiontext", v.question_html + figure + _asked(v, ex, lang, tolerance), "html")
        if graph_png:
            ET.SubElement(text, "file", {"name": image, "path": "/", "encoding": "base64"}).text = \
                base64.b64encode(graph_png).decode("ascii")
        _text(q, "generalfeedback", v.solution_html, "html")
        ET.SubElement(q, "penalty").text = PENALTY
        ET.SubElement(q, "hidden").text = "0"
        ET.SubElement(q, "idnumber").text = f"{stem}-s{seed}-v{v.number}"     # unique in its category
    ET.indent(quiz)
    xml = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"
    ET.fromstring(xml.encode("utf-8"))          # read back by an XML parser before anyone imports it
    return xml


def graph_png(ex) -> bytes | None:
    """The graph with names only (the same for every variant), as PNG bytes; None for a linear system."""
    if ex.kind != "gradient":
        return None
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "graph"
        graph_figure(pipeline.compute(ex, pipeline.Options(checks=False, exact=False, training=False)).derivation, str(path), ("png",), blank=True)
        return path.with_suffix(".png").read_bytes()
