"""`assess intake`: the questionnaire in the terminal, saved as an intake file.

Nothing that exists is lost: an existing file is replaced only when the person says so (or
with --force); --measurements shows every current value as the default; comments that saving
would drop are pointed out first; Ctrl-C offers to save the answers so far, which
--resume continues later.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
from pathlib import Path
from typing import Annotated, Any

import typer

from assess.cli.common import ForceOpt, app, errors, out, say

# A line that holds a YAML comment (a # at the start or after a space, outside of quotes is
# close enough to warn before saving drops it).
_COMMENT = re.compile(r"(?m)^\s*#|\s#")


def _serialise(data: dict[str, Any], target: Path) -> bytes:
    from assess.files.intake_io import dump_intake

    if target.suffix.lower() == ".json":
        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return dump_intake(data).encode("utf-8")


@app.command()
def intake(
    output: Annotated[Path, typer.Option(
        "-o", "--output", help="Intake file to write (.yaml or .json).")] = Path("intake.yaml"),
    measurements: Annotated[Path | None, typer.Option(
        "--measurements", help="Add or change the clinician's measurements in this existing intake.")] = None,
    resume: Annotated[Path | None, typer.Option(
        "--resume", help="Finish an intake that was saved part-way.")] = None,
    force: ForceOpt = False,
) -> None:
    """Fill in the intake questionnaire in the terminal and write an intake file.

    Example: assess intake -o intake.yaml, then later:
    assess intake --measurements intake.yaml

    Every answer is checked as it is typed. A review screen before saving lets you change
    any answer. An existing file is replaced only if you confirm (or pass --force); Ctrl-C
    offers to save what you have answered, to finish with --resume.
    """
    with errors():
        from assess.cli.interview import Interview, InterviewStopped, QuitWithoutSaving
        from assess.definitions.intake import validate_intake
        from assess.definitions.questionnaire import questionnaire
        from assess.domain.errors import FieldProblem, InvalidInput, UsageError, printable
        from assess.files.intake_io import read_document
        from assess.files.outputs import write_atomic
        from assess.reasoning.screen_now import referral_so_far

        def ask(prompt: str) -> str:
            # The prompt is printed unwrapped (a current value may be long), its text escaped.
            out.print(printable(prompt), markup=False, highlight=False, soft_wrap=True, end="")
            try:
                return input()
            except EOFError:
                # Input ran out (a closed terminal or a short script): bad input, not a fault.
                problem = FieldProblem("", "the input ended before the questionnaire was finished; "
                                           "nothing was written")
                raise InvalidInput("standard input", [problem], what="answer") from None

        if measurements and resume:
            raise UsageError("--measurements and --resume are separate steps: finish the intake first")
        q = questionnaire()
        data: dict[str, Any]
        if measurements or resume:
            target = measurements or resume
            assert target is not None
            loaded, text = read_document(target)
            if not isinstance(loaded, dict):
                raise InvalidInput(str(target), [FieldProblem("", "expected a mapping of fields")])
            if resume and "partial" not in loaded:
                raise UsageError(f"{target} is not an intake saved part-way; nothing to resume")
            if measurements:
                validate_intake(loaded, source=str(target), text=text)
            data = loaded
            if _COMMENT.search(text) and not force and not Interview(ask, say).yes_no(
                    f"{target} has comments; saving rewrites it without them. Go on?", default=False):
                say("Nothing was written.")
                return
        else:
            target = output
            if target.is_dir():
                raise UsageError(f"{target} is a folder; name an intake file")
            if target.exists() and not force and not Interview(ask, say).yes_no(
                    f"{target} exists. Replace it?", default=False):
                say(f"Nothing was written. (To finish a saved intake: assess intake --resume {target})")
                return
            data = {"questionnaire": f"{q.id}/{q.version}", "answers": {}}
        interview = Interview(ask, say, data.get("answers"))

        def save(final: dict[str, Any]) -> None:
            write_atomic(target, _serialise(final, target))

        try:
            if measurements:
                interview.clinician_and_date(data)
                data["measurements"] = interview.measurements(data.get("measurements"))
            else:
                if not resume:
                    interview.ask_date(data)
                start = (data.get("partial") or {}).get("next")
                interview.questionnaire(start_at=start)
                data.pop("partial", None)
                data["answers"] = interview.answers
                if interview.yes_no("\nAdd the clinician's measurements now?", default=False):
                    interview.clinician_and_date(data)
                    data["measurements"] = interview.measurements(data.get("measurements"))
            data["answers"] = interview.answers
            interview.review(data)
        except (KeyboardInterrupt, InterviewStopped) as stop:
            if isinstance(stop, InterviewStopped):
                say(f"\n{stop.referral.label}: {stop.referral.action}")
                offer = "Save the answers so far for your clinician?"
            else:
                offer = "\nInterrupted. Save the answers so far, to finish later?"
            try:
                keep = not measurements and interview.answers and interview.yes_no(offer, default=False)
            except KeyboardInterrupt:
                keep = False
            if keep:
                partial = {"partial": {"next": interview.current, "saved": dt.date.today().isoformat()},
                           **{k: v for k, v in data.items() if k != "partial"}, "answers": interview.answers}
                save(partial)
                say(f"Saved what you answered to {target}. Finish it with: assess intake --resume {target}")
            else:
                say("Nothing was written.")
            raise typer.Exit(128 + signal.SIGINT if isinstance(stop, KeyboardInterrupt) else 0) from None
        except QuitWithoutSaving:
            say("Nothing was written.")
            return
        validate_intake(data, source=str(target))
        save(data)
        say(f"Wrote {target}. Next: assess run {target} -o plan.pdf")
        referral = referral_so_far(data["answers"])
        if referral is not None:
            say(f"Remember: {referral.label}: {referral.action}")
