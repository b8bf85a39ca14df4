"""`assess explain`: the audit trail of an assessment, in a clinician's words, in the terminal.

Everything shown comes from the assessment file (its recorded trail and rule notes), so an
assessment made with an earlier rule set is explained as it was made. Every text from the file
is escaped before rich sees it: a client called "Sam [/] Carter" is a name, not markup.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from assess.definitions.intake import describe_error
from assess.domain.assessment import Assessment
from assess.domain.errors import FieldProblem, InvalidInput
from assess.files.intake_io import read_document
from assess.reasoning.audit_words import Account, how_account, how_accounts, norms_used, why_not_groups
from assess.reasoning.audit_words import hidden_why_not as count_hidden


def load_assessment(path: Path) -> Assessment:
    """Read an assessment JSON written by `assess run --json`."""
    if path.is_dir():
        raise InvalidInput(str(path), [FieldProblem("", "is a folder; explain reads an assessment file "
                                                        "written by assess run --json")], what="assessment")
    data, _ = read_document(path)
    if isinstance(data, dict) and "answers" in data and "plan" not in data:
        message = ("this is an intake, not an assessment; assess it with "
                   "assess run INTAKE --json A.json, then explain A.json")
        raise InvalidInput(str(path), [FieldProblem("", message)], what="assessment")
    try:
        return Assessment.model_validate(data)
    except ValidationError as exc:
        problems = [FieldProblem(".".join(map(str, e["loc"])), describe_error(e)) for e in exc.errors()]
        raise InvalidInput(str(path), problems, what="assessment") from None


def _names(a: Assessment) -> dict[str, str]:
    """Every exercise the assessment knows of, id -> name (plan first, then the rest)."""
    names = {e.id: e.name for b in a.plan.blocks for e in b.exercises}
    names.update({w.exercise: w.name for w in a.audit.why_not if w.exercise not in names})
    return names


def resolve_exercise(a: Assessment, wanted: str) -> str:
    """An exercise id from an id or a name (any case); a clear error with the closest matches."""
    names = _names(a)
    if wanted in names:
        return wanted
    by_name = {name.casefold(): ex for ex, name in names.items()}
    if wanted.casefold() in by_name:
        return by_name[wanted.casefold()]
    close = difflib.get_close_matches(wanted.casefold(), [*names, *by_name], n=3, cutoff=0.5)
    suggest = [c if c in names else by_name[c] for c in close]
    hint = (f"; did you mean {', '.join(dict.fromkeys(suggest))}?" if suggest
            else "; the ids are listed by assess explain FILE --list")
    raise InvalidInput("--exercise", [FieldProblem("exercise", f"{wanted!r} is not an exercise "
                                                               f"of this assessment{hint}")], what="option")


def _account(acc: Account, console: Console) -> None:
    console.print(f"[bold]{escape(acc.title)}[/]")
    for line in [*acc.because, *acc.instead_of]:
        console.print(f"  {escape(line)}")
    for line in acc.evidence:
        console.print(f"  [dim]-[/] {escape(line)}")
    for seed in acc.seeds:
        console.print(f"  [dim]source: {escape(seed)}[/]")
    console.print()


def explain_assessment(a: Assessment, *, exercise: str | None, console: Console,
                       everything: bool = False, listing: bool = False, current_sha256: str = "") -> None:
    ident = a.identity
    console.print(f"[bold]{escape(str(a.client.name))}[/], assessed {a.assessed_on}; rule set "
                  f"{escape(ident.ruleset.name)} {escape(ident.ruleset.version)} "
                  f"({ident.ruleset.sha256[:12]})")
    if current_sha256 and ident.ruleset.sha256 != current_sha256:
        console.print("[yellow]note: the rule set has changed since this assessment; what follows "
                      "is the trail recorded then.[/]")
    if not a.audit.rules:
        console.print("[yellow]note: this assessment was made before rule notes were recorded; "
                      "rules are shown by id and title only.[/]")
    if listing:
        in_plan = {e.id for b in a.plan.blocks for e in b.exercises}
        table = Table(title="Exercises: id and name")
        for col in ("id", "name", "in the plan"):
            table.add_column(col)
        for ex, name in _names(a).items():
            table.add_row(escape(ex), escape(name), "yes" if ex in in_plan else "")
        console.print(table)
        return
    if exercise is not None:
        ex = resolve_exercise(a, exercise)
        if ex in a.plan.exercise_ids():
            console.print("[bold]HOW[/]")
            _account(how_account(a, ex), console)
        else:
            for w in a.audit.why_not:
                if w.exercise == ex:
                    console.print(f"[bold]WHY NOT[/] {escape(w.name)} ({escape(w.exercise)}): "
                                  f"{escape(w.kind.replace('_', ' '))} - {escape(w.reason)}"
                                  + (f" [dim]({escape(', '.join(w.rules))})[/]" if w.rules else ""))
        return
    if a.plan.referral and a.plan.referral_detail:
        console.print(f"[bold red]Referral[/] - {escape(a.plan.referral_detail.label)}")
        for r in a.plan.referral_detail.reasons:
            console.print(f"  {escape(r.rule)}: {escape(r.reported)} -> {escape(r.text)}")
    findings = Table(title="Findings and patterns")
    for col in ("", "what", "side", "how", "rules"):
        findings.add_column(col)
    for kind, items in (("finding", a.findings), ("pattern", a.patterns)):
        # Left and right of the same finding, found the same way, are one row.
        merged: dict[tuple[str, str, str], set[str]] = {}
        for f in items:
            merged.setdefault((f.text, f.how, ", ".join(f.rules)), set()).add(f.side)
        for (text, how, rules), sides in merged.items():
            side = "both" if {"left", "right"} <= sides else "/".join(sorted(sides))
            findings.add_row(kind, escape(text), escape(side), escape(how), escape(rules))
    console.print(findings)
    accounts = how_accounts(a)
    if accounts:
        console.print("[bold]HOW each exercise is in the plan[/]\n")
        for acc in accounts:
            _account(acc, console)
    norms = norms_used(a)
    if norms:
        table = Table(title="Norms the findings were read against")
        for col in ("norm", "threshold", "source"):
            table.add_column(col)
        for name, describe, source in norms:
            table.add_row(escape(name), escape(describe), escape(source))
        console.print(table)
    if a.plan.referral and not everything:
        console.print(f"WHY NOT: none of the {len(a.audit.why_not)} exercises is given - a red flag "
                      "means a referral and no exercise (--all lists them).")
    for title, rows in ([] if a.plan.referral and not everything
                        else why_not_groups(a, everything=everything)):
        # Where every row gives the same reason and no rule (the exercises waiting for the
        # review), the reason is said once, in the title, and the names get the width.
        reasons = {w.reason for w in rows}
        same = len(reasons) == 1 and not any(w.rules for w in rows)
        table = Table(title=f"WHY NOT - {title}" + (f": {next(iter(reasons))}" if same else ""))
        for col in ("exercise", "id") if same else ("exercise", "id", "why", "rules"):
            table.add_column(col)
        for w in rows:
            cells = (w.name, w.exercise) if same else (w.name, w.exercise, w.reason, ", ".join(w.rules))
            table.add_row(*(escape(c) for c in cells))
        console.print(table)
    hidden = count_hidden(a)
    if hidden and not everything and not a.plan.referral:
        console.print(f"[dim]{hidden} other exercises treat what was not found; --all lists them.[/]")
    console.print(f"[dim]{len(a.audit.firings)} rule firings in all; the PDF appendix lists them "
                  "in order.[/]")
