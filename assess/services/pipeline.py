"""The whole way from an intake to an assessment: validation, facts, the rules, the plan and
the audit trail. Each step is a plain function of its input; rendering (report.py) and the
interfaces build on it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Sequence
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assess import __version__
from assess.definitions.intake import validate_intake
from assess.definitions.knowledge import KnowledgeBase
from assess.definitions.questionnaire import battery, questionnaire
from assess.domain.assessment import (
    Assessment,
    Client,
    Conclusion,
    DefinitionId,
    EngineId,
    Identity,
    Intake,
    RuleSetId,
)
from assess.domain.results import FactKind
from assess.files.intake_io import read_document
from assess.reasoning.assemble import assemble, precautions_of
from assess.reasoning.audit_trail import build_audit
from assess.reasoning.review import review_of

if TYPE_CHECKING:
    from assess.inference.engine import Engine


def how_found(fields: dict[str, Any]) -> str:
    """How a finding or pattern was found, as a clinician would say it: by which test and
    method, or from the client's answers."""
    tests = battery().by_id()
    about, method, basis = fields.get("about"), fields.get("how"), fields.get("basis")
    if about in tests:
        test = tests[about]
        name = test.plain_name
        if method in test.method_labels:
            return f"measured: {name}, {test.method_labels[method]}"
        if method == "unrecorded":
            return f"measured: {name}, method not recorded"
        return f"measured: {name}"
    if basis == "measured":
        return "measured"
    if about or basis == "reported":
        return "from your answers"
    return ""


def input_digest(intake: dict[str, Any]) -> str:
    canonical = json.dumps(intake, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@cache
def _experta_version() -> str:
    return version("experta")  # a metadata look-up, a millisecond: once per process


def identity(kb: KnowledgeBase, intake: Intake) -> Identity:
    q, b = questionnaire(), battery()
    return Identity(
        ruleset=RuleSetId(name=kb.info.name, version=kb.info.version, sha256=kb.sha256),
        questionnaire=DefinitionId(id=q.id, version=q.version),
        battery=DefinitionId(id=b.id, version=b.version),
        engine=EngineId(assess=__version__, experta=_experta_version()),
        input_sha256=input_digest(intake.model_dump(mode="json")),
    )


def clock() -> dt.datetime:
    """Now, or the time SOURCE_DATE_EPOCH fixes (reproducible builds' convention), so that the
    same intake, rule set and date give byte-identical outputs."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.now(dt.UTC)


def assess_intake(data: object, *, source: str = "intake", now: dt.datetime | None = None,
                  engine: Engine | None = None, text: str | None = None,
                  history: Sequence[Assessment] = ()) -> Assessment:
    """Validate a loaded intake document and run the knowledge base over it (the bundled
    one, or the one `engine` was built from). `text` is the document's source, for naming
    the line of a problem. With `history` (this client's earlier assessments, oldest first)
    it is a review: progressions continue from the last plan by their re-tests, and the
    assessment compares this visit with the earlier ones."""
    from assess.inference.engine import default_engine  # experta is imported only when rules run
    from assess.inference.facts import criteria_counts, equipment_facts, intake_facts, review_facts

    if isinstance(data, dict) and "resourceType" in data:
        from assess.fhir.incoming import fhir_intake  # fhir.resources loads only for FHIR documents

        data, text = fhir_intake(data, source), None
    model = validate_intake(data, source=source, text=text)
    # The typed intake keeps exactly what the file gave (JSON values, unset fields absent).
    intake = Intake.model_validate(model.model_dump(mode="json", exclude_unset=True))
    engine = engine or default_engine()
    kb = engine.kb
    # "None of these" is the equipment question's exclusive option, not a piece of equipment.
    nothing = questionnaire().by_id()["equipment"].exclusiveOption
    equipment = [e for e in intake.answers.get("equipment", []) if e != nothing]
    now = now or clock()
    assessed_on = intake.date or now.date()
    # After the catalogue's facts (engine.py): the intake's, then what the equipment rules out.
    counts = criteria_counts(kb, intake, assessed_on)
    facts = intake_facts(intake, assessed_on, counts) + equipment_facts(kb, equipment)
    if history:
        facts += review_facts(kb, intake, history[-1], assessed_on)
    run = engine.run(facts)
    plan = assemble(kb, run, equipment=equipment, assessed_on=assessed_on,
                    pain_now=intake.answers.get("pain_now"), counts=counts)

    def items(kind: FactKind, text: dict[str, str]) -> tuple[Conclusion, ...]:
        return tuple(Conclusion(id=f.fields["id"], text=text.get(f.fields["id"], f.fields["id"]),
                          side=f.fields.get("side", "none"),
                          detail=f.fields.get("about") or f.fields.get("basis", ""),
                          how=how_found(f.fields), rules=f.by) for f in run.of(kind))

    answers = intake.answers
    return Assessment(
        identity=identity(kb, intake),
        generated_at=now.isoformat(timespec="seconds"),
        assessed_on=assessed_on,
        client=Client.model_validate({k: answers[k] for k in questionnaire().identifies if k in answers}),
        clinician=intake.clinician,
        clinician_contact=intake.clinician_contact,
        intake=intake,
        findings=items(FactKind.FINDING, kb.plan.findings),
        patterns=items(FactKind.PATTERN, kb.plan.patterns),
        yellow_flags=items(FactKind.YELLOW_FLAG, kb.plan.yellow_flags),
        precautions=precautions_of(kb, run),
        plan=plan,
        audit=build_audit(kb, run, plan),
        review=review_of(kb, run, plan, intake, assessed_on, history) if history else None,
    )


def assess_file(path: Path, *, now: dt.datetime | None = None) -> Assessment:
    """Read an intake file (YAML or JSON; `-` is standard input) and assess it."""
    data, text = read_document(path)
    source = "standard input" if str(path) == "-" else str(path)
    return assess_intake(data, source=source, now=now, text=text)

