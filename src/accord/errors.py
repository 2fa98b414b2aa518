"""One exception tree for accord.

User mistakes (a malformed file, an unknown id, a bad option) raise :class:`InputError`,
which the CLI prints as one line ``file:line: field: problem`` and turns into exit code 2.
Problems *inside* valid data are findings, never exceptions.
"""

from __future__ import annotations

#: Line breaks and other control characters, written as escapes in a one-line error.
_ONE_LINE = {c: repr(chr(c))[1:-1] for c in (*range(0x20), 0x7F, 0x85, 0x2028, 0x2029)}


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
        """``file:line: field: problem``, leaving out the parts that are unknown: an error about
        a command-line value has no file and reads ``--option: problem``."""
        parts: list[str] = []
        if self.file:
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        elif self.line is not None:
            parts.append(f"line {self.line}")
        if self.field:
            parts.append(self.field)
        parts.append(self.problem)
        # A file name, field or value may hold a line break (a key written "a\nb", a file
        # named so): escaped, the error stays one line whatever the input was.
        return ": ".join(parts).translate(_ONE_LINE)

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


# --------------------------------------------------------------------------------------------
# Raised by accord.detection (re-exported from accord.detection.measurement)


class ArlTooLarge(InputError):
    """An average run length beyond what double precision resolves (the CUSUM chart's
    ``ARL_LIMIT``): the options asked for digits that are not there."""


# --------------------------------------------------------------------------------------------
# Raised by accord.ledger (each re-exported from the module that raises it)


class EntryRejected(InputError):
    """An entry the ledger will not admit; ``position`` is its place in the submitted batch."""

    def __init__(self, problem: str, *, position: int | None = None, file: str | None = None) -> None:
        self.position = position
        where = f"entry {position} of the batch: " if position is not None else ""
        super().__init__(where + problem, file=file)


class ProofError(IntegrityError, ValueError):
    """A Merkle proof (or the hashes and sizes it is checked against) does not verify.

    Also a :class:`ValueError`, as it was before the one exception tree, so callers that
    caught ``ValueError`` still do."""


class StoreError(IntegrityError):
    """The database is not a ledger, is damaged, or refused a write; ``file`` names the store
    (its display URL, never a password) when known."""

    def __init__(self, problem: str, *, file: str | None = None) -> None:
        self.problem = problem
        self.file = file
        super().__init__(f"{file}: {problem}" if file else problem)


class DuplicateLeafError(StoreError):
    """An entry with the same leaf (same party, content and signature) is already stored at
    ``index`` (``None`` when the store cannot say where)."""

    def __init__(self, leaf: bytes, index: int | None) -> None:
        self.leaf = leaf
        self.index = index
        where = f" at index {index}" if index is not None else ""
        super().__init__(f"the same signed entry is already in the ledger{where}")


class InconsistentCheckpoint(IntegrityError):
    """The checkpoint does not extend the last one this party cosigned (or is not the log's)."""


class CommitmentError(IntegrityError):
    """An opening does not match its commitment."""
