"""`assess fhir questionnaire` and `assess fhir export`: the questionnaires and an assessment in
FHIR R4. fhir.resources loads only here (and for a FHIR document given to `assess run`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from assess.cli.common import DbOpt, ForceOpt, app, errors, say

fhir_app = typer.Typer(
    help="FHIR R4: the questionnaires as Questionnaire resources, an assessment as a "
    "transaction Bundle. assess run and batch read a QuestionnaireResponse, or a "
    "Bundle with one, as an intake.",
    no_args_is_help=True,
)
app.add_typer(fhir_app, name="fhir")

OutOpt = Annotated[str, typer.Option("-o", "--output", help="Write here (- for standard output).")]


def _write(resource: dict[str, Any], output: str, *, inputs: list[Path], force: bool) -> None:
    from assess.files.outputs import Output, check_outputs, write_together

    data = (json.dumps(resource, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    check_outputs([Output(output, "JSON")], inputs=inputs, force=force)
    write_together([Output(output, "JSON", data)])
    if output != "-":
        say(f"Wrote {output}")


@fhir_app.command("questionnaire")
def questionnaire_cmd(
    which: Annotated[
        Literal["intake", "battery"],
        typer.Argument(help="intake: the client's questionnaire; battery: the range-of-motion tests."),
    ] = "intake",
    output: OutOpt = "-",
    force: ForceOpt = False,
) -> None:
    """Write a questionnaire as a FHIR R4 Questionnaire (JSON).

    Example: assess fhir questionnaire -o intake.questionnaire.json
    """
    with errors():
        from assess.definitions.questionnaire import battery, questionnaire
        from assess.fhir.questionnaires import battery_questionnaire, checked, intake_questionnaire

        made = (
            intake_questionnaire(questionnaire()) if which == "intake" else battery_questionnaire(battery())
        )
        _write(checked(made), output, inputs=[], force=force)


@fhir_app.command("export")
def export_cmd(
    assessment: Annotated[
        str,
        typer.Argument(
            help="A stored assessment's id (or its first characters), or an assessment JSON file "
            "(assess run --json)."
        ),
    ],
    output: OutOpt = "-",
    db: DbOpt = None,
    force: ForceOpt = False,
) -> None:
    """Write an assessment as a FHIR R4 transaction Bundle: Patient, QuestionnaireResponse,
    Observations (measurements and findings), CarePlan or referral ServiceRequest, Provenance.

    Example: assess fhir export 3f2a9c1e -o visit.bundle.json
    """
    with errors():
        from assess.fhir.export import export_bundle

        path = Path(assessment)
        if path.suffix.lower() in (".json", ".yaml", ".yml") or path.is_file():
            from assess.cli.explain import load_assessment

            a, inputs, parties = load_assessment(path), [path], None
        else:
            from assess.store.access_log import record
            from assess.store.database import open_store, resolve_url
            from assess.store.exports import parties_of
            from assess.store.records import get_assessment, recorder

            engine = open_store(resolve_url(db))
            stored, _pdf, _sha = get_assessment(engine, assessment)
            a, inputs, parties = stored.assessment(), [], parties_of(engine, stored.id)
            record(engine, "exported FHIR", actor=f"{recorder(None)} (command line)",
                   client_id=stored.client_id,
                   assessment_id=stored.id)
        _write(export_bundle(a, parties), output, inputs=inputs, force=force)
