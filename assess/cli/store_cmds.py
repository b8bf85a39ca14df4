"""The store's commands: `assess clients`, `history`, `show`, `export` and `impact`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assess.cli.common import DbOpt, ForceOpt, app, err, errors, out, say

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from assess.domain.assessment import Assessment


def _store(db: str | None) -> Engine:
    from assess.store.database import open_store, resolve_url

    return open_store(resolve_url(db))


def _logged(engine: Engine, action: str, client_id: str, assessment_id: str) -> None:
    """The access log's entry for a record read on the command line, by the login name."""
    from assess.store.access_log import record
    from assess.store.records import recorder

    record(engine, action, actor=f"{recorder(None)} (command line)", client_id=client_id,
           assessment_id=assessment_id)


@app.command()
def clients(db: DbOpt = None) -> None:
    """List the clients in the store, with their number of visits and the last one.

    Example: assess clients --db sqlite:///clinic.db
    """
    with errors():
        from rich.table import Table

        from assess.store.records import list_clients

        rows = list_clients(_store(db))
        if not rows:
            say("The store holds no clients yet; assess run ... --save adds one.")
            return
        table = Table("id", "name", "born", "visits", "last visit")
        for row in rows:
            table.add_row(row.id[:8], row.name, str(row.date_of_birth or ""), str(row.visits),
                          str(row.last_visit or ""))
        out.print(table)


def _measures(a: Assessment) -> str:
    """The first measured angles, as the history table shows them."""
    from assess.definitions.questionnaire import battery

    parts = []
    measured = a.intake.measured()
    for test in battery().tests:
        m = measured.get(test.id)
        if m is None or test.type != "decimal":
            continue
        sides = (("L ", m.left), ("R ", m.right)) if test.bilateral else (("", m.value),)
        shown = " ".join(f"{label}{value:g}" for label, value in sides if isinstance(value, float))
        if shown:
            parts.append(f"{test.chart_name} {shown}")
    return "; ".join(parts[:3]) + (f"; +{len(parts) - 3} more" if len(parts) > 3 else "")


@app.command()
def history(client: Annotated[str, typer.Argument(help="The client's name or id (or its first characters).")],
            db: DbOpt = None) -> None:
    """Every visit of a client: date, pain, key measurements and what the plan was.

    Example: assess history "Sam Carter"
    """
    with errors():
        from rich.table import Table

        from assess.store.records import history as client_history

        name, stored = client_history(_store(db), client)
        table = Table("date", "assessment", "pain now / worst", "measured", "plan", title=name)
        for s in stored:
            a = s.assessment()
            answers = a.intake.answers
            pain = f"{answers.get('pain_now', '-')} / {answers.get('pain_worst', '-')}"
            table.add_row(str(s.visit_date), s.id[:8], pain, _measures(a) or "-", a.plan.summary())
        out.print(table)


@app.command()
def show(assessment: Annotated[str, typer.Argument(help="The assessment's id (or its first characters).")],
         db: DbOpt = None) -> None:
    """One stored assessment: who, when, by which rule set, what was found and planned.

    Example: assess show 3f2a9c1e
    """
    with errors():
        import itertools

        from assess.store.corrections import corrections_of, superseded_by
        from assess.store.records import get_assessment

        store = _store(db)
        stored, _pdf, pdf_sha = get_assessment(store, assessment)
        a = stored.assessment()
        rs = a.identity.ruleset
        say(f"Assessment {stored.id}")
        say(f"Client: {stored.client_name} ({stored.client_id[:8]}), visit {stored.visit_date}")
        say(f"Recorded {stored.recorded_at:%Y-%m-%d %H:%M} by {stored.recorded_by}; rule set {rs.name} "
            f"{rs.version} ({rs.sha256[:12]})")
        newer = superseded_by(store, stored.id)
        if newer:
            say(f"Superseded: corrected by assessment {newer} (assess show {newer[:8]})")
        chain = corrections_of(store, stored.id)  # this version, then each it replaced
        for (version, who, when, reason), (older, *_) in itertools.pairwise(chain):
            say(f"Version {version[:8]} corrects {older[:8]}: {when}, by {who}, because: {reason}")
        say("Found: " + (", ".join(dict.fromkeys(f.text for f in a.findings)) or "nothing"))
        if a.plan.referral and a.plan.referral_detail:
            say(f"Referral ({a.plan.referral_detail.label}): {a.plan.reason}")
        else:
            for block in a.plan.blocks:
                say(f"{block.title}: " + ", ".join(e.name for e in block.exercises))
        say(f"JSON sha256 {stored.sha256}; PDF sha256 {pdf_sha}")
        _logged(store, "viewed an assessment", stored.client_id, stored.id)


@app.command()
def export(assessment: Annotated[str, typer.Argument(help="The assessment's id (or its first characters).")],
           outdir: Annotated[Path, typer.Option("-o", "--output",
                                                help="Folder for ID.json and ID.pdf.")] = Path(),
           db: DbOpt = None, force: ForceOpt = False) -> None:
    """Write a stored assessment's JSON and PDF exactly as they were recorded.

    Example: assess export 3f2a9c1e -o exported/
    """
    with errors():
        import hashlib

        from assess.domain.errors import AssessError
        from assess.files.outputs import Output, check_outputs, write_together
        from assess.store.records import get_assessment

        store = _store(db)
        stored, pdf, pdf_sha = get_assessment(store, assessment)
        data = stored.document.encode("utf-8")
        if hashlib.sha256(data).hexdigest() != stored.sha256 or hashlib.sha256(pdf).hexdigest() != pdf_sha:
            raise AssessError(f"assessment {stored.id}: the stored bytes do not match their sha256")
        outdir.mkdir(parents=True, exist_ok=True)
        outputs = [Output(str(outdir / f"{stored.id}.json"), "JSON", data),
                   Output(str(outdir / f"{stored.id}.pdf"), "PDF", pdf)]
        check_outputs([Output(o.path, o.kind) for o in outputs], inputs=[], force=force)
        write_together(outputs)
        _logged(store, "exported an assessment", stored.client_id, stored.id)
        say(f"Wrote {outputs[0].path} and {outputs[1].path}")


@app.command()
def impact(
    rules: Annotated[Path, typer.Option("--rules", help="Folder of the candidate rule set (like rules/).")],
    db: DbOpt = None,
    client: Annotated[str | None, typer.Option("--client", help="Only this client (name or id).",
                                               show_default=False)] = None,
    since: Annotated[dt.datetime | None, typer.Option("--since", formats=["%Y-%m-%d"],
                                                      help="Only visits on or after this date.")] = None,
    until: Annotated[dt.datetime | None, typer.Option("--until", formats=["%Y-%m-%d"],
                                                      help="Only visits on or before this date.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes.")] = 2,
    json_path: Annotated[str | None, typer.Option("--json", help="Also write the impact as JSON here "
                                                  "(- for standard output).", show_default=False)] = None,
    force: ForceOpt = False,
) -> None:
    """Which stored plans would change under a candidate rule set, and how.

    Example: assess impact --rules ../rules-next/ --since 2026-01-01 --json impact.json

    Every current assessment in the store (or those of --client, --since, --until) is
    assessed again from its intake on the candidate rules; no PDF is rendered and nothing is
    written to the store. Referrals that would be lost are listed first. Exit codes: 0 no
    referral lost; 3 at least one referral would be lost; 2 invalid input (a broken candidate
    rule set is named); 1 an internal fault.
    """
    with errors():
        import functools
        import json

        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
        from rich.table import Table

        from assess.definitions.knowledge import load_knowledge
        from assess.domain.errors import KnowledgeBaseError, UsageError
        from assess.files.outputs import Output, check_outputs, write_together
        from assess.services.impact import Change, report, run_impact
        from assess.store.database import resolve_url
        from assess.store.records import count_stored, earlier_documents, stored_intakes

        if json_path:
            check_outputs([Output(json_path, "JSON")], inputs=[], force=force)
        try:
            load_knowledge(rules)  # the candidate is the user's input: a broken one is named, exit 2
        except KnowledgeBaseError as exc:
            raise UsageError(f"--rules {rules}: {exc}") from None
        engine = _store(db)
        first, last = (since.date() if since else None), (until.date() if until else None)
        total = count_stored(engine, client=client, since=first, until=last)
        changes: list[Change] = []
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=True) as progress:
            task = progress.add_task("re-assessing", total=total)
            stream = stored_intakes(engine, client=client, since=first, until=last)
            earlier = functools.partial(earlier_documents, resolve_url(db))
            for change in run_impact(stream, rules, jobs=jobs, earlier=earlier,
                                     on_done=lambda _c: progress.advance(task)):
                if change.changed:  # only the changes are kept: memory follows them, not the store
                    changes.append(change)
        result = report(changes, total, rules)
        if json_path:
            write_together([Output(json_path, "JSON", (json.dumps(result, indent=2) + "\n").encode())])
        if json_path != "-":
            _impact_table(result, Table)
        if result["referrals_lost"]:
            raise typer.Exit(3)


def _impact_table(result: dict[str, Any], table_cls: Any) -> None:
    say(f"{result['changed']} of {result['assessments']} stored plan(s) would change: "
        f"{result['referrals_lost']} referral(s) lost, {result['referrals_gained']} gained.")
    if not result["changes"]:
        return
    table = table_cls("assessment", "client", "visit", "change", "rules")
    for c in result["changes"]:
        if c["error"]:
            what, rules = f"cannot be assessed: {c['error']}", ""
        elif c["referral_lost"]:
            what, rules = "REFERRAL LOST", ", ".join(c["referral_rules"])
        elif c["referral_gained"]:
            what, rules = "referral gained", ", ".join(c["referral_rules"])
        else:
            parts = [f"+ {e}" for e in c["added"]] + [f"- {e}" for e in c["removed"]]
            what = "\n".join(parts)
            rules = "\n".join(", ".join(r) for r in [*c["added"].values(), *c["removed"].values()])
        table.add_row(c["assessment"][:8], c["client"], c["visit"], what, rules)
    out.print(table)
