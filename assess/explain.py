"""`assess explain`: the audit trail of an assessment, readable in the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from assess.audit import AuditFact, trace
from assess.errors import FieldProblem, InvalidInput
from assess.intake_io import read_document
from assess.knowledge import load_knowledge
from assess.models import describe_error
from assess.pipeline import Assessment


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


def _tree(node: dict[str, Any], tree: Tree) -> None:
    if not node["because"]:
        tree.add(f"{node['fact']}  [dim]({', '.join(node['by'])})[/]")
        return
    for step in node["because"]:
        rule = step["rule"]
        branch = tree.add(f"{node['fact']}  [dim]<- {rule['id']} {rule['title']}[/]")
        branch.add(f"[dim]source: {rule['source']}[/]")
        for norm in step.get("norms", []):
            branch.add(f"[dim]norm: {norm}[/]")
        for child in step["from"]:
            _tree(child, branch)


def _how(a: Assessment, exercise: str, console: Console) -> None:
    kb = load_knowledge()
    facts: dict[int, AuditFact] = {f.index: f for f in a.audit.facts}
    firings = list(a.audit.firings)
    roots = [f.index for f in a.audit.facts if f.kind == "Prescribe"
             and f.fields["exercise"] == exercise and f.fields["step"] == "now"]
    tree = Tree(f"[bold]HOW[/] {kb.exercises[exercise].name} is in the plan")
    for index in roots:
        _tree(trace(kb, facts, firings, index), tree)
    console.print(tree)


def explain_assessment(a: Assessment, *, exercise: str | None, console: Console) -> None:
    kb = load_knowledge()
    ident = a.identity
    console.print(f"[bold]{a.client.get('name', '')}[/], assessed {a.assessed_on}; rule set "
                  f"{ident.ruleset['name']} {ident.ruleset['version']} ({ident.ruleset['sha256'][:12]})")
    if ident.ruleset["sha256"] != kb.sha256:
        console.print("[yellow]note: the rule set has changed since this assessment; the trail "
                      "below is the one recorded then.[/]")
    if exercise is not None:
        if exercise not in kb.exercises:
            problem = FieldProblem("exercise", f"{exercise!r} is not in the catalogue")
            raise InvalidInput("--exercise", [problem])
        if exercise in a.plan.exercise_ids():
            _how(a, exercise, console)
        else:
            for w in a.audit.why_not:
                if w.exercise == exercise:
                    console.print(f"[bold]WHY NOT[/] {w.name}: {w.kind.replace('_', ' ')} - {w.reason}"
                                  + (f" [dim]({', '.join(w.rules)})[/]" if w.rules else ""))
        return
    if a.plan.referral and a.plan.referral_detail:
        console.print(f"[bold red]Referral[/] - {a.plan.referral_detail.label}")
        for r in a.plan.referral_detail.reasons:
            console.print(f"  {r.rule}: {r.reported} -> {r.text}")
    findings = Table(title="Findings and patterns", show_lines=False)
    for col in ("kind", "what", "side", "rules"):
        findings.add_column(col)
    for f in a.findings:
        findings.add_row("finding", f.text, f.side, ", ".join(f.rules))
    for p in a.patterns:
        findings.add_row("pattern", p.text, p.side, ", ".join(p.rules))
    console.print(findings)
    for block in a.plan.blocks:
        for e in block.exercises:
            _how(a, e.id, console)
    why = Table(title="WHY NOT: catalogue exercises absent from the plan")
    for col in ("exercise", "why", "rules"):
        why.add_column(col)
    for w in a.audit.why_not:
        why.add_row(w.name, f"{w.kind.replace('_', ' ')}: {w.reason}", ", ".join(w.rules))
    console.print(why)
    fired = Table(title=f"{len(a.audit.firings)} rule firings, in order")
    for col in ("#", "rule", "phase", "title"):
        fired.add_column(col)
    for firing in a.audit.firings:
        fired.add_row(str(firing.order), firing.rule, firing.phase, firing.title)
    console.print(fired)
