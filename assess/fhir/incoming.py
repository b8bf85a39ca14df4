"""A FHIR document given to `assess run` or `assess batch` as an intake: a
QuestionnaireResponse, or a Bundle holding one with the measurements as Observations (the
Bundle `assess fhir export` writes is one: its other resources are ignored). Each resource is
first checked against fhir.resources' R4B model, then mapped to an intake document and
validated as any intake is; every problem is named by the item's linkId or the Observation's
test."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from assess.definitions.intake import validate_intake
from assess.definitions.questionnaire import battery, questionnaire
from assess.domain.errors import FieldProblem, InvalidInput
from assess.fhir.observations import measurements_of
from assess.fhir.responses import intake_of

KINDS = ("QuestionnaireResponse", "Bundle")
FINISHED = ("completed", "amended")


def is_fhir(data: object) -> bool:
    return isinstance(data, dict) and "resourceType" in data


def _model(kind: str) -> Any:
    from fhir.resources.R4B import get_fhir_model_class

    return get_fhir_model_class(kind)


def _where(resource: dict[str, Any], loc: tuple[int | str, ...]) -> str:
    """A pydantic error's place, named by the nearest linkId (or resource) on its path."""
    node: Any = resource
    named = f"{resource.get('resourceType')}"
    rest: list[str] = []
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            rest.append(str(part))
            continue
        if isinstance(node, dict) and isinstance(node.get("linkId"), str):
            named, rest = f"item {node['linkId']}", []
        elif isinstance(node, dict) and isinstance(node.get("resourceType"), str):
            named, rest = node["resourceType"], []
        else:
            rest.append(str(part))
    return ".".join([named, *rest])


def _checked(resource: dict[str, Any], source: str) -> None:
    kind = resource.get("resourceType")
    if kind not in KINDS:
        raise InvalidInput(
            source,
            [
                FieldProblem(
                    "resourceType", f"expected a QuestionnaireResponse or a Bundle holding one, got {kind!r}"
                )
            ],
        )
    try:
        _model(str(kind)).model_validate(resource)
    except ValidationError as exc:
        raise InvalidInput(
            source, [FieldProblem(_where(resource, tuple(e["loc"])), e["msg"]) for e in exc.errors()]
        ) from None


def _parts(resource: dict[str, Any], source: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if resource["resourceType"] == "QuestionnaireResponse":
        return resource, []
    found = [e.get("resource") for e in resource.get("entry") or [] if isinstance(e, dict)]
    responses = [r for r in found if isinstance(r, dict) and r.get("resourceType") == "QuestionnaireResponse"]
    if len(responses) != 1:
        raise InvalidInput(
            source,
            [
                FieldProblem(
                    "entry",
                    "a Bundle given as an intake holds exactly one "
                    f"QuestionnaireResponse, this one holds {len(responses)}",
                )
            ],
        )
    return responses[0], [r for r in found if isinstance(r, dict) and r.get("resourceType") == "Observation"]


def _named(problem: FieldProblem) -> FieldProblem:
    """validate_intake's path, in the FHIR document's words."""
    head, _, rest = problem.path.partition(".")
    if head == "answers" and rest:
        return FieldProblem(f"item {rest}", problem.message)
    if head == "measurements" and rest:
        test, _, side = rest.partition(".")
        return FieldProblem(f"Observation {test}" + (f" ({side})" if side else ""), problem.message)
    if head == "date":
        return FieldProblem("QuestionnaireResponse.authored", problem.message)
    return problem


def fhir_intake(resource: dict[str, Any], source: str) -> dict[str, Any]:
    """The intake document a FHIR QuestionnaireResponse or Bundle holds; InvalidInput naming
    every problem by linkId otherwise."""
    _checked(resource, source)
    response, observations = _parts(resource, source)
    doc, problems = intake_of(questionnaire(), response)
    measured, more = measurements_of(battery(), observations)
    doc.update(measured)
    problems += more
    if response.get("status") not in FINISHED:
        problems.insert(
            0,
            FieldProblem(
                "QuestionnaireResponse.status",
                f"is {response.get('status')!r}; only a completed (or amended) response is assessed",
            ),
        )
    try:
        validate_intake(doc, source=source)
    except InvalidInput as exc:  # what the mapping already named is not said twice
        named = {p.path for p in problems}
        problems += [p for p in map(_named, exc.problems) if p.path.split(".")[0] not in named]
    if problems:
        raise InvalidInput(source, problems)
    return doc
