"""Moodle's own reading of a cloze (embedded answers) question, transcribed from
question/type/multianswer/questiontype.php (qtype_multianswer_extract_question and its ANSWER_* patterns), so the
tests read derive's fields exactly as Moodle's importer does: the subquestions, each with its alternatives
(fraction, answer, tolerance, feedback)."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

FRACTION = r"=|%(-?[0-9]+)%"
ANSWER = r".+?(?<!\\|&)(?<!&amp;)(?=[~#}]|$)"
FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
ALTERNATIVE = "(" + FRACTION + ")?" + "(" + ANSWER + ")" + "(#(" + FEEDBACK + "))?"
NUMBER = r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"
NUMERICAL_ALTERNATIVE = "^(" + NUMBER + ")(:" + NUMBER + ")?$"
TYPES = r"(NUMERICAL|NM)|(MULTICHOICE|MC)|(MULTICHOICE_V|MCV)|(MULTICHOICE_H|MCH)|(SHORTANSWER|SA|MW)|(SHORTANSWER_C|SAC|MWC)"
START = r"\{([0-9]*):(" + TYPES + "):"
QUESTION = START + "(" + ALTERNATIVE + "(~" + ALTERNATIVE + ")*)\\}"


@dataclass
class Alternative:
    fraction: float
    answer: str
    tolerance: str | None
    feedback: str


def subquestions(text: str) -> list[tuple[str, list[Alternative]]]:
    """Each {…} field of a question text as Moodle splits it: its type and its alternatives in order."""
    out = []
    while True:
        found = re.search(QUESTION, text, re.S)
        if not found:
            return out
        kind = "numerical" if found.group(3) else "other"
        rest = found.group(9)
        alternatives = []
        while True:
            alt = re.match("~?" + ALTERNATIVE, rest, re.S)
            if not alt or not alt.group(0):
                break
            fraction = 1.0 if alt.group(1) == "=" else 0.01 * int(alt.group(2)) if alt.group(2) else 0.0
            feedback = html.unescape(alt.group(5) or "").replace("\\}", "}").replace("\\#", "#")
            answer, tolerance = alt.group(3), None
            number = re.match(NUMERICAL_ALTERNATIVE, answer, re.S) if kind == "numerical" else None
            if number:
                answer, tolerance = number.group(1), number.group(6) or "0"
            alternatives.append(Alternative(fraction, answer, tolerance, feedback))
            rest = rest[len(alt.group(0)):]
        out.append((kind, alternatives))
        text = text[:found.start()] + "{#%d}" % len(out) + text[found.end():]
