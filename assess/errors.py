"""The package's own errors. The CLI maps them to messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass


class AssessError(Exception):
    """Base of every error the library raises on purpose."""

    exit_code = 1


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: where it is (a dotted path) and what is wrong with it."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InvalidInput(AssessError):
    """The input cannot be used; every problem found is listed, each by its path."""

    exit_code = 2

    def __init__(self, source: str, problems: list[FieldProblem]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{source} is not a valid intake ({len(problems)} problem(s)):\n{lines}")


class KnowledgeBaseError(AssessError):
    """The rule set in rules/ is inconsistent (a fault in the knowledge base, not the input)."""

    exit_code = 1
