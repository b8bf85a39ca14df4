"""The package's own errors. The CLI maps them to messages and exit codes."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# A message lists this many problems, then counts the rest: an intake with 100,000 bad
# options gets a readable answer, not 300,000 lines.
SHOWN_PROBLEMS = 20


def printable(text: str) -> str:
    """Text safe to show in a terminal: control and format characters written as escapes,
    so that a name holding an escape sequence cannot change the terminal."""
    out = []
    for ch in text:
        if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"):
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


class AssessError(Exception):
    """Base of every error the library raises on purpose."""

    exit_code = 1


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: where it is (a dotted path, and the line when known) and what is wrong."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return printable(f"{where}{self.path}: {self.message}" if self.path else f"{where}{self.message}")


class InvalidInput(AssessError):
    """The input cannot be used; every problem found is listed, each by its path.

    `what` says what the input was meant to be (an intake, an assessment, an option), so the
    message never calls a command-line option "not a valid intake"."""

    exit_code = 2

    def __init__(self, source: str, problems: list[FieldProblem], what: str = "intake") -> None:
        self.source = source
        self.problems = problems
        self.what = what
        super().__init__(self._text())

    def _text(self) -> str:
        source = printable(self.source)
        if len(self.problems) == 1 and not self.problems[0].path:
            return f"{source}: {self.problems[0]}"
        shown = [f"  {p}" for p in self.problems[:SHOWN_PROBLEMS]]
        rest = len(self.problems) - SHOWN_PROBLEMS
        if rest > 0:
            shown.append(f"  ... and {rest} more problem(s)")
        return f"{source} is not a valid {self.what} ({len(self.problems)} problem(s)):\n" + "\n".join(shown)


class UsageError(AssessError):
    """A command line that cannot be carried out as given (an output over its input, say)."""

    exit_code = 2


class KnowledgeBaseError(AssessError):
    """The rule set in rules/ is inconsistent (a fault in the knowledge base, not the input)."""

    exit_code = 1
