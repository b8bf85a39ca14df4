"""The intake questionnaire asked in the terminal, in order, honouring enableWhen.

Every answer is checked with the same types as a file would be, and re-asked with the
reason when it is invalid. Nothing that exists is lost: a current value is the default and
Enter keeps it; a review screen lets the person change any answer before saving. A red flag
is shown with what to do now as soon as it is answered. The library never imports the CLI
framework: this module only needs something that reads a line and something that prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter, ValidationError

from assess.definitions.intake import answer_type, describe_error, measure_type
from assess.definitions.questionnaire import NOT_SURE, Item, RomTest, battery, questionnaire
from assess.domain.plan import Referral
from assess.reasoning.screen_now import red_flag_items, screen_so_far

Ask = Callable[[str], str]
Say = Callable[[str], None]

YES = {"y", "yes", "true", "1"}
NO = {"n", "no", "false", "0"}
UNSURE = {"?", "not sure", "unsure", "don't know", "dont know"}
CLEAR = "-"  # typed to remove a current value


class _Reask(Exception):
    pass


class InterviewStopped(Exception):
    """The person chose to stop after being told to seek care; `referral` says what to do."""

    def __init__(self, referral: Referral) -> None:
        self.referral = referral
        super().__init__(f"{referral.label}: {referral.action}")


class QuitWithoutSaving(Exception):
    """The person chose to leave from the review screen without saving."""


def _parse(item_type: str, text: str, options: tuple[str, ...] | None, repeats: bool,
           unsure: bool = False) -> Any:
    text = text.strip()
    if item_type == "boolean":
        if text.lower() in YES:
            return True
        if text.lower() in NO:
            return False
        if unsure and text.lower().replace("_", " ") in UNSURE:
            return NOT_SURE
        raise _Reask("please answer y, n or ? (not sure)" if unsure else "please answer y or n")
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
            elif part in options or part.replace(" ", "_") in options:
                picked.append(part.replace(" ", "_"))
            else:
                raise _Reask(f"{part!r} is not one of the numbers or options shown")
        return picked if repeats else picked[0]
    return text


def _check(adapter: TypeAdapter[Any], value: Any) -> Any:
    try:
        return adapter.validate_python(value, strict=True)
    except ValidationError as exc:
        raise _Reask(describe_error(exc.errors()[0])) from None


def shown(value: Any) -> str:
    """A value as the person typed it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(shown(v) for v in value)
    if isinstance(value, dict):
        return " / ".join(f"{k} {shown(v)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).replace("_", " ") if isinstance(value, str) else str(value)


class Interview:
    """One sitting: the answers so far, the red flags already shown, and the two callbacks."""

    def __init__(self, ask: Ask, say: Say, answers: dict[str, Any] | None = None) -> None:
        self.ask, self.say = ask, say
        self.answers: dict[str, Any] = dict(answers or {})
        self.shown_flags: set[str] = set()
        # The item being asked: where a saved, unfinished intake resumes.
        self.current: str | None = None

    # --- one question -----------------------------------------------------------------------
    def until_valid(self, prompt: str, parse: Callable[[str], Any], *, optional: bool,
                    current: Any = None) -> Any:
        """Ask until the answer parses. Enter keeps `current` (or skips, when optional);
        `-` clears a current value that is optional."""
        if current is not None:
            prompt = prompt.rstrip(": ") + f" [Enter keeps {shown(current)}]: "
        while True:
            raw = self.ask(prompt)
            if not raw.strip():
                if current is not None or optional:
                    return current
                self.say("  An answer is needed here.")
                continue
            if raw.strip() == CLEAR and current is not None and optional:
                return None
            try:
                return parse(raw)
            except _Reask as why:
                self.say(f"  {why}. Please try again.")

    def yes_no(self, prompt: str, *, default: bool | None = None) -> bool:
        choices = {None: "[y/n]", True: "[Y/n]", False: "[y/N]"}[default]
        while True:
            raw = self.ask(f"{prompt} {choices}: ").strip().lower()
            if not raw and default is not None:
                return default
            if raw in YES or raw in NO:
                return raw in YES
            self.say("  Please answer y or n.")

    def _prompt_for(self, item: Item) -> str:
        text = item.text
        if item.type == "choice" and item.answerOption:
            listed = "  ".join(f"{n}) {o.replace('_', ' ')}" for n, o in enumerate(item.answerOption, 1))
            text += f"\n    {listed}\n    " + ("numbers, separated by commas" if item.repeats else "number")
        elif item.type == "boolean":
            text += " [y/n/? not sure]" if item.unsure else " [y/n]"
        elif item.type == "date":
            text += " [YYYY-MM, or YYYY-MM-DD]"
        elif item.type in ("integer", "decimal") and item.minValue is not None:
            text += f" [{item.minValue:g}-{item.maxValue:g}]"
        if not item.required:
            text += " (optional, Enter to skip)"
        return text + ": "

    def ask_item(self, item: Item) -> Any:
        if item.help:
            self.say(f"  ({item.help})")
        current = self.answers.get(item.linkId)
        if item.type == "group":  # a repeating group such as the PSFS
            rows: list[dict[str, Any]] = list(current or [])
            if rows:
                self.say("  Now: " + "; ".join(shown(r) for r in rows))
                if not self.yes_no("  Keep these?", default=True):
                    rows = []
            while len(rows) < (item.maxRepeats or 5):
                if not self.yes_no(f"Add {'an' if not rows else 'another'} activity?"):
                    break
                rows.append({c.linkId: self._ask_leaf(c, None) for c in item.item})
            return rows or None
        return self._ask_leaf(item, current)

    def _ask_leaf(self, item: Item, current: Any) -> Any:
        adapter: TypeAdapter[Any] = TypeAdapter(answer_type(item))

        def parse(text: str) -> Any:
            value = _check(adapter, _parse(item.type, text, item.answerOption, item.repeats, item.unsure))
            if item.exclusiveOption and isinstance(value, list) and len(value) > 1 \
                    and item.exclusiveOption in value:
                raise _Reask(f"{item.exclusiveOption!r} cannot be combined with others")
            return value

        return self.until_valid(self._prompt_for(item), parse, optional=not item.required, current=current)

    # --- the questionnaire --------------------------------------------------------------------
    def settle(self) -> None:
        """Drop answers to items that are no longer asked (an earlier answer changed)."""
        for item in questionnaire().answerable():
            if item.linkId in self.answers and not item.enabled(self.answers):
                del self.answers[item.linkId]

    def questionnaire(self, *, start_at: str | None = None, missing_required: bool = False) -> None:
        """Ask every enabled item in order, from `start_at` (resuming a saved intake); or, with
        `missing_required`, only required items not yet answered (after a change in review)."""
        order = [i.linkId for i in questionnaire().answerable()]
        first = order.index(start_at) if start_at in order else 0
        version = questionnaire().version

        def wanted(item: Item) -> bool:
            if not item.enabled(self.answers) or order.index(item.linkId) < first:
                return False
            return not missing_required or (item.required_in(version) and item.linkId not in self.answers)

        for group, items in questionnaire().sections():
            if not any(wanted(i) for i in items):
                continue
            self.say(f"\n== {group.text} ==")
            if group.help:
                self.say(f"  {group.help}")
            for item in items:
                if wanted(item):
                    self.current = item.linkId
                    self.set_answer(item, self.ask_item(item))
        self.current = None

    def set_answer(self, item: Item, value: Any) -> None:
        if value is None:
            self.answers.pop(item.linkId, None)
        else:
            self.answers[item.linkId] = value
        self.settle()
        if item.linkId in red_flag_items():
            self.warn_at_once()

    def warn_at_once(self) -> None:
        """After an answer a red-flag rule reads: what to do now, the moment it is known."""
        referral, today = screen_so_far(self.answers)
        for line in today:
            if line not in self.shown_flags:
                self.shown_flags.add(line)
                self.say(f"\n  !! Today: {line}")
        if referral is None:
            return
        new = [r for r in referral.reasons if r.reason not in self.shown_flags]
        if not new:
            return
        self.shown_flags.update(r.reason for r in new)
        self.say(f"\n  !! {referral.label}: {referral.action}")
        for reason in dict.fromkeys(r.text for r in new):
            self.say(f"     {reason}")
        self.say("     No exercise plan will be given. The rest of the questions only record details "
                 "for the clinician who sees you.")
        if not self.yes_no("  Go on to record the rest for your clinician?"):
            raise InterviewStopped(referral)

    # --- the clinician's part -------------------------------------------------------------------
    def measurements(self, current: dict[str, Any] | None = None) -> dict[str, Any]:
        """Every test of the battery, each side and its method; current values are defaults."""
        current = current or {}
        out: dict[str, Any] = {}
        self.say("\n== Range-of-motion battery (clinician) ==")
        self.say(f"  Enter keeps a current value; {CLEAR} removes it (not tested).")
        for test in battery().tests:
            self.say(f"  {test.name}: {test.instructions}")
            before = current.get(test.id) or {}
            sides = ("left", "right") if test.bilateral else ("value",)
            entry: dict[str, Any] = {side: self._ask_side(test, side, before.get(side)) for side in sides}
            if all(v is None for v in entry.values()):
                continue
            if test.methods:
                entry["method"] = self._ask_choice("measured how", tuple(test.methods), before.get("method"),
                                                   optional=False)
            if len(test.instrument) > 1:
                entry["instrument"] = self._ask_choice("measured with", test.instrument,
                                                       before.get("instrument"), optional=True)
            entry = {k: v for k, v in entry.items() if v is not None or k in sides}
            if before.get("note"):
                entry["note"] = before["note"]
            out[test.id] = entry
        return out

    def _ask_side(self, test: RomTest, side: str, current: Any) -> Any:
        adapter: TypeAdapter[Any] = TypeAdapter(measure_type(test))
        unit = f" {test.unit}" if test.unit else ""
        limits = "" if test.min is None or test.max is None else f" [{test.min:g} to {test.max:g}{unit}]"
        kind = " [y/n]" if test.type == "boolean" else limits
        label = "" if side == "value" else f" - {side}"
        return self.until_valid(f"{test.name}{label}{kind} (Enter if not tested): ",
                                lambda t: _check(adapter, _parse(test.type, t, None, False)),
                                optional=True, current=current)

    def _ask_choice(self, what: str, options: tuple[str, ...], current: Any, *, optional: bool) -> Any:
        listed = "  ".join(f"{n}) {o.replace('_', ' ')}" for n, o in enumerate(options, 1))
        return self.until_valid(f"    {what}: {listed}: ",
                                lambda t: _parse("choice", t, options, False), optional=optional,
                                current=current)

    def clinician_and_date(self, data: dict[str, Any]) -> None:
        name = self.until_valid("Clinician's name (optional, Enter to skip): ", str.strip, optional=True,
                                current=data.get("clinician"))
        if name:
            data["clinician"] = name
        else:
            data.pop("clinician", None)
            return
        contact = self.until_valid("How a doctor can reach you - clinic, telephone or e-mail "
                                   "(optional, Enter to skip): ", str.strip, optional=True,
                                   current=data.get("clinician_contact"))
        if contact:
            data["clinician_contact"] = contact
        else:
            data.pop("clinician_contact", None)

    def ask_date(self, data: dict[str, Any]) -> None:
        def parse(text: str) -> str:
            try:
                return dt.date.fromisoformat(text.strip()).isoformat()
            except ValueError:
                raise _Reask("please give the date as YYYY-MM-DD") from None

        data["date"] = self.until_valid("Date of this assessment (YYYY-MM-DD): ", parse, optional=False,
                                        current=data.get("date") or dt.date.today().isoformat())

    # --- review before saving ---------------------------------------------------------------------
    def review(self, data: dict[str, Any]) -> None:
        """Show every answer, numbered; the person may change any before saving."""
        while True:
            items = [i for i in questionnaire().answerable() if i.linkId in self.answers]
            self.say("\n== Your answers ==")
            self.say(f"  date: {data.get('date', '-')}" + (f"; clinician: {data['clinician']}"
                                                              if data.get("clinician") else ""))
            for n, item in enumerate(items, 1):
                self.say(f"  {n:>2}. {item.text[:70]} - {shown(self.answers[item.linkId])}")
            if data.get("measurements"):
                self.say(f"  measurements: {len(data['measurements'])} test(s) recorded")
            choice = self.ask("Type a number to change that answer, s to save, or q to quit without "
                              "saving [s]: ").strip().lower()
            if choice in ("", "s"):
                return
            if choice == "q":
                raise QuitWithoutSaving
            if choice.isdigit() and 1 <= int(choice) <= len(items):
                item = items[int(choice) - 1]
                self.set_answer(item, self.ask_item(item))
                self.questionnaire(missing_required=True)  # items an answer has newly enabled
                data["answers"] = self.answers
                continue
            self.say(f"  {choice!r} is not a number shown, s or q.")
