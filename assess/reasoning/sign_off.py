"""What goes with a plan for the clinician and the doctors it is sent to: why it needs a
clinician's sign-off (precautions, history, screens not answered, answers to check with the
client), and the routine letters with the counted criteria they rest on."""

from __future__ import annotations

from collections import defaultdict

from assess.definitions.knowledge import KnowledgeBase
from assess.definitions.questionnaire import battery, questionnaire
from assess.domain.plan import ClinicianReview, CriteriaCount, Letter, PrecautionOut, ReviewReason
from assess.domain.results import FactKind, RunResult


def about_words(about: str) -> str:
    """The question or test a query concerns, in its own words."""
    items, tests = questionnaire().by_id(), battery().by_id()
    if about in items:
        return " ".join(items[about].text.split())
    return tests[about].name if about in tests else about


def clinician_review(kb: KnowledgeBase, run: RunResult,
                     precautions: tuple[PrecautionOut, ...]) -> ClinicianReview:
    """Why the plan needs a clinician's sign-off, the answers to check with the client included."""
    reasons = [ReviewReason(id=p.id, kind="precaution", text=p.title, rules=p.rules)
               for p in precautions if p.sign_off]
    for f in run.of(FactKind.REVIEW):
        reasons.append(ReviewReason(id=f.fields["reason"], kind="history",
                                    text=kb.plan.review_reasons[f.fields["reason"]], rules=f.by))
    for f in run.of(FactKind.QUERY):
        reasons.append(ReviewReason(id=f.fields["id"], kind="query", rules=f.by,
                                    text=kb.plan.queries[f.fields["id"]].format(about=about_words(f.fields["about"]))))
    screens = list(kb.plan.screens)
    for f in sorted(run.of(FactKind.NOT_SCREENED), key=lambda f: screens.index(f.fields["screen"])):
        screen = f.fields["screen"]
        if any(r.id == screen and r.kind == "not_screened" for r in reasons):
            continue
        reasons.append(ReviewReason(id=screen, kind="not_screened",
                                    text=kb.plan.wording.not_screened.format(screen=kb.plan.screens[screen]),
                                    rules=f.by))
    return ClinicianReview(required=bool(reasons), reasons=tuple(reasons))

def letters_of(kb: KnowledgeBase, precautions: tuple[PrecautionOut, ...],
             counts: tuple[CriteriaCount, ...]) -> tuple[Letter, ...]:
    because: dict[str, list[str]] = defaultdict(list)
    for p in precautions:
        letter = kb.precautions[p.id].letter
        if letter:
            because[letter].append(p.title)
    by_id = {c.id: c for c in counts}
    letters = kb.plan.letters
    return tuple(Letter(id=lid, to=letters[lid].to, reason=" ".join(letters[lid].reason.split()),
                        because=tuple(titles), source=letters[lid].source,
                        criteria=tuple(by_id[c].line for c in letters[lid].criteria if c in by_id))
                 for lid, titles in because.items())
