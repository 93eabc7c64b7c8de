"""What `derive grade` shows: per student each wrong answer with what gave it and where their work first
departs from the right one (the terminal), and for a class a summary of the mistakes by step of the sheet, with
a bar chart (Markdown and HTML)."""
from __future__ import annotations

from collections import Counter


from ...core.i18n import Listing, t
from ...extend.mistakes import plain_number
from ...extend.grading import AMBIGUOUS, FOLLOWS, MISTAKE, RIGHT, UNKNOWN, Verdict, first_departure
from .doc import Heading, Para, Report, Table, rich

STEPS = ("forward", "local", "adjoint", "gradient", "step")      # the sheet's questions, in order


def step_of(v: Verdict) -> str:
    return "gradient" if v.quantity.kind == "adjoint" and v.quantity.input else v.quantity.kind


def said(v: Verdict, lang: str) -> str:
    """What a wrong answer is, in a sentence."""
    if v.status == FOLLOWS:
        return t(lang, "g_follows", earlier=v.cause.name) if v.cause else t(lang, "g_follows_blank")
    mistakes = [s.message.say(lang) for s in v.slips]
    if v.status == MISTAKE:
        return t(lang, "k_mistake", mistake=Listing(mistakes, "list_or"))
    if v.status == AMBIGUOUS:
        return t(lang, "k_ambiguous", mistakes=Listing(mistakes, "list_semicolon"))
    return t(lang, "g_unknown")


def mistake(v: Verdict, lang: str) -> str:
    """The mistake a wrong answer shows, as a phrase (its forms joined by "or")."""
    return Listing([s.message.say(lang) for s in v.slips], "list_or").say(lang)


def text(graded: list, lang: str) -> str:
    """The terminal's text: a paragraph per student."""
    lines = []
    for student, verdicts in graded:
        right = sum(v.status == RIGHT for v in verdicts)
        first = first_departure(verdicts)
        lines.append(t(lang, "g_student", student=student, right=right, total=len(verdicts)) + (
            " " + t(lang, "g_departs", name=first.name) if first else ""))
        for v in verdicts:
            if v.status != RIGHT:
                lines.append(f"  {v.name}: {plain_number(v.given)} ({t(lang, 'g_right_is', value=plain_number(v.right))}): "
                             + said(v, lang))
    return "\n".join(lines)


def to_json(graded: list) -> list:
    """The marks as data: per student each answer's status, and the mistakes named (their rule and place)."""
    return [{"student": student,
             "first_departure": (first_departure(verdicts) or Verdict("", None, (), 0, 0, RIGHT)).name or None,
             "answers": [{"name": v.name, "given": float(v.given), "right": float(v.right), "status": v.status,
                          "mistakes": [{"rule": s.rule, "choice": s.choice, "message": str(s.message)} for s in v.slips],
                          "follows": v.cause.name if v.cause else None}
                         for v in verdicts]}
            for student, verdicts in graded]


def build(stem: str, title: str, graded: list, lang: str) -> Report:
    """The class summary: the mistakes named, how many students made each and at which step, a chart of them
    by step, and one row per student."""
    r = Report(f"{stem}-grades", lang, t(lang, "g_title", title=title))
    r.add(Para(rich(t(lang, "g_intro", students=len(graded)))))
    made: Counter = Counter()
    by_step: dict[str, Counter] = {s: Counter() for s in STEPS}
    for _, verdicts in graded:
        seen = set()
        for v in verdicts:
            if v.status in (MISTAKE, AMBIGUOUS, UNKNOWN):
                by_step[step_of(v)][v.status] += 1
            if v.status == MISTAKE:
                key = (step_of(v), mistake(v, lang))
                if key not in seen:
                    seen.add(key)
                    made[key] += 1
    if made:
        rows = [[[t(lang, f"g_step_{step}")], [sentence], [str(count)]]
                for (step, sentence), count in sorted(made.items(), key=lambda kv: (-kv[1], STEPS.index(kv[0][0])))]
        r.add(Heading(2, [t(lang, "g_mistakes")]),
              Table([[t(lang, "g_col_step")], [t(lang, "g_col_mistake")], [t(lang, "g_col_students")]], rows, "lpr"))
    r.figure(f"{stem}-grades.steps", lambda path, formats: _chart(by_step, lang, path, formats),
             [t(lang, "g_chart_caption")], 0.7)
    rows = []
    for student, verdicts in graded:
        first = first_departure(verdicts)
        named = Listing(sorted({mistake(v, lang) for v in verdicts if v.status == MISTAKE}), "list_semicolon")
        rows.append([[student], [f"{sum(v.status == RIGHT for v in verdicts)}/{len(verdicts)}"],
                     [first.name if first else "—"], [named.say(lang) or "—"]])
    r.add(Heading(2, [t(lang, "g_students")]),
          Table([[t(lang, "g_col_student")], [t(lang, "g_col_right")], [t(lang, "g_col_first")],
                 [t(lang, "g_col_named")]], rows, "lrlp"))
    return r


def _chart(by_step: dict, lang: str, path: str, formats):
    """Wrong answers by step of the sheet: a named mistake, two that give the same value, none known."""
    from .figures import pyplot, save

    plt = pyplot()
    from matplotlib.ticker import MaxNLocator
    steps = [s for s in STEPS if sum(by_step[s].values())] or list(STEPS[:4])
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    bottom = [0] * len(steps)
    for status, color in ((MISTAKE, "#d93025"), (AMBIGUOUS, "#f9ab00"), (UNKNOWN, "#80868b")):
        counts = [by_step[s][status] for s in steps]
        ax.bar([t(lang, f"g_step_{s}") for s in steps], counts, bottom=bottom, color=color,
               label=t(lang, f"g_status_{status}"))
        bottom = [b + c for b, c in zip(bottom, counts)]
    ax.set_ylabel(t(lang, "g_chart_axis"))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    save(fig, path, formats)
