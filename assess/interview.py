"""The intake questionnaire asked in the terminal, in order, honouring enableWhen.

Every answer is checked with the same types as a file would be, and re-asked with the
reason when it is invalid. The library never imports the CLI framework: this module only
needs something that reads a line and something that prints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter, ValidationError

from assess.models import answer_type, describe_error, measure_type
from assess.plan_models import Referral
from assess.questionnaire import Item, RomTest, battery, questionnaire
from assess.screen_now import red_flag_items, referral_so_far

Ask = Callable[[str], str]
Say = Callable[[str], None]

YES = {"y", "yes", "true", "1"}
NO = {"n", "no", "false", "0"}


class _Reask(Exception):
    pass


def _parse(item_type: str, text: str, options: tuple[str, ...] | None, repeats: bool) -> Any:
    text = text.strip()
    if item_type == "boolean":
        if text.lower() in YES:
            return True
        if text.lower() in NO:
            return False
        raise _Reask("please answer y or n")
    if item_type == "integer":
        try:
            return int(text)
        except ValueError:
            raise _Reask("please give a whole number") from None
    if item_type == "decimal":
        try:
            return float(text)
        except ValueError:
            raise _Reask("please give a number") from None
    if item_type == "choice" and options:
        picked = []
        for part in [p.strip() for p in text.split(",")] if repeats else [text]:
            if part.isdigit() and 1 <= int(part) <= len(options):
                picked.append(options[int(part) - 1])
            elif part in options:
                picked.append(part)
            else:
                raise _Reask(f"{part!r} is not one of the numbers or options shown")
        return picked if repeats else picked[0]
    return text


def _check(adapter: TypeAdapter[Any], value: Any) -> Any:
    try:
        return adapter.validate_python(value, strict=True)
    except ValidationError as exc:
        raise _Reask(describe_error(exc.errors()[0])) from None


def _ask_until_valid(ask: Ask, say: Say, prompt: str, parse: Callable[[str], Any],
                     *, optional: bool) -> Any:
    while True:
        raw = ask(prompt)
        if not raw.strip():
            if optional:
                return None
            say("  An answer is needed here.")
            continue
        try:
            return parse(raw)
        except _Reask as why:
            say(f"  {why}. Please try again.")


def _prompt_for(item: Item) -> str:
    text = item.text
    if item.type == "choice" and item.answerOption:
        listed = "  ".join(f"{n}) {o.replace('_', ' ')}" for n, o in enumerate(item.answerOption, 1))
        text += f"\n    {listed}\n    " + ("numbers, separated by commas" if item.repeats else "number")
    elif item.type == "boolean":
        text += " [y/n]"
    elif item.type in ("integer", "decimal") and item.minValue is not None:
        text += f" [{item.minValue:g}-{item.maxValue:g}]"
    if not item.required:
        text += " (optional, Enter to skip)"
    return text + ": "


def _ask_item(item: Item, ask: Ask, say: Say) -> Any:
    if item.help:
        say(f"  ({item.help})")
    if item.type == "group":  # a repeating group such as the PSFS
        rows: list[dict[str, Any]] = []
        while len(rows) < (item.maxRepeats or 5):
            more = _ask_until_valid(ask, say, f"Add {'an' if not rows else 'another'} activity? [y/n]: ",
                                    lambda t: _parse("boolean", t, None, False), optional=False)
            if not more:
                break
            rows.append({c.linkId: _ask_item(c, ask, say) for c in item.item})
        return rows or None
    adapter: TypeAdapter[Any] = TypeAdapter(answer_type(item))

    def parse(text: str) -> Any:
        value = _check(adapter, _parse(item.type, text, item.answerOption, item.repeats))
        if item.exclusiveOption and isinstance(value, list) and len(value) > 1 \
                and item.exclusiveOption in value:
            raise _Reask(f"{item.exclusiveOption!r} cannot be combined with others")
        return value

    return _ask_until_valid(ask, say, _prompt_for(item), parse, optional=not item.required)


class InterviewStopped(Exception):
    """The person chose to stop after being told to seek care; `referral` says what to do."""

    def __init__(self, referral: Referral) -> None:
        self.referral = referral
        super().__init__(f"{referral.label}: {referral.action}")


def _warn_at_once(answers: dict[str, Any], shown: set[str], ask: Ask, say: Say) -> None:
    """After an answer a red-flag rule reads: what to do now, the moment it is known."""
    referral = referral_so_far(answers)
    if referral is None:
        return
    new = [r for r in referral.reasons if r.reason not in shown]
    if not new:
        return
    shown.update(r.reason for r in new)
    say(f"\n  !! {referral.label}: {referral.action}")
    for reason in dict.fromkeys(r.text for r in new):
        say(f"     {reason}")
    say("     No exercise plan will be given. The rest of the questions only record details "
        "for the clinician who sees you.")
    more = _ask_until_valid(ask, say, "  Go on to record the rest for your clinician? [y/n]: ",
                            lambda t: _parse("boolean", t, None, False), optional=False)
    if not more:
        raise InterviewStopped(referral)


def interview_answers(ask: Ask, say: Say) -> dict[str, Any]:
    """Ask the whole intake questionnaire; return the answers keyed by linkId.

    A red flag is shown with what to do now as soon as it is answered (RF rules in rules/),
    and the person may stop there (InterviewStopped)."""
    answers: dict[str, Any] = {}
    shown: set[str] = set()
    for group, items in questionnaire().sections():
        say(f"\n== {group.text} ==")
        if group.help:
            say(f"  {group.help}")
        for item in items:
            if not item.enabled(answers):
                continue
            value = _ask_item(item, ask, say)
            if value is not None:
                answers[item.linkId] = value
                if item.linkId in red_flag_items():
                    _warn_at_once(answers, shown, ask, say)
    return answers


def _ask_side(test: RomTest, side: str, ask: Ask, say: Say) -> Any:
    adapter: TypeAdapter[Any] = TypeAdapter(measure_type(test))
    unit = f" {test.unit}" if test.unit else ""
    limits = f" [{test.min:g} to {test.max:g}{unit}]" if test.min is not None and test.max is not None else ""
    kind = " [y/n]" if test.type == "boolean" else limits
    label = "" if side == "value" else f" - {side}"
    return _ask_until_valid(ask, say, f"{test.name}{label}{kind} (Enter if not tested): ",
                            lambda t: _check(adapter, _parse(test.type, t, None, False)),
                            optional=True)


def interview_measurements(ask: Ask, say: Say) -> dict[str, Any]:
    """Ask the clinician for each test of the battery; untested sides are recorded as null."""
    out: dict[str, Any] = {}
    say("\n== Range-of-motion battery (clinician) ==")
    for test in battery().tests:
        say(f"  {test.name}: {test.instructions}")
        sides = ("left", "right") if test.bilateral else ("value",)
        entry = {side: _ask_side(test, side, ask, say) for side in sides}
        if any(v is not None for v in entry.values()):
            out[test.id] = entry
    return out
