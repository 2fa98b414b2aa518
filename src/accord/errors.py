"""One exception tree for accord.

User mistakes (a malformed file, an unknown id, a bad option) raise :class:`InputError`,
which the CLI prints as one line ``file:line: field: problem`` and turns into exit code 2.
Problems *inside* valid data are findings, never exceptions.
"""

from __future__ import annotations


class AccordError(Exception):
    """Base class of every error accord raises on purpose."""


class InputError(AccordError):
    """A user mistake: bad file, bad value, unknown name.

    ``file`` is the path or identifier of the input (``None`` for a command-line value),
    ``line`` the 1-based line where known, ``field`` the dotted path of the offending field.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = file
        self.line = line
        self.field = field
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """``file:line: field: problem``, leaving out the parts that are unknown."""
        where = self.file or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        parts = [where]
        if self.field:
            parts.append(self.field)
        parts.append(self.problem)
        return ": ".join(parts)

    def at(self, *, file: str | None = None, line: int | None = None) -> InputError:
        """The same error, with the file and line filled in where they were unknown."""
        return InputError(
            self.problem,
            file=self.file or file,
            line=self.line if self.line is not None else line,
            field=self.field,
        )


class IntegrityError(AccordError):
    """Stored or exchanged data fails a cryptographic or structural check."""
