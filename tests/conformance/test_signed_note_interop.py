"""C2SP signed-note conformance: every file of ../shared/data/c2sp-signed-note-interop/, read from
there, against the verdicts its SOURCE.md gives (what C2SP signed-note v1 requires and Go's
``golang.org/x/mod/sumdb/note.Open`` does).

The verdict of each file is read from the SOURCE.md table (its "keys given" and "expected"
columns) and checked mechanically — "rejected" → the parser refuses the note; "parses" → it
parses; "verified by `NAME`" / "verified" → exactly the keys given verify it; "no known key" →
none does; a bundle that "verifies with the three keys" → :func:`verify_bundle` is ok — plus the
specific fact each row states. A file in the directory that the table neither lists nor names
as a key file fails :func:`test_every_file_has_a_verdict`.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from accord.errors import InputError
from accord.ledger.bundle import parse_bundle, verify_bundle
from accord.ledger.cosignature import COSIGNATURE_SIZE, WitnessKey, cosigners, generate_witness_key, split_cosignature
from accord.ledger.keys import PublicKey
from accord.ledger.note import Checkpoint, Note

DIRNAME = ("data", "c2sp-signed-note-interop")
#: The files SOURCE.md gives verdicts for (so that each is its own test case even before the
#: directory is read); test_the_table_lists_these_files keeps this list equal to the table.
FILES = [
    "unknown_sig_cosignature_v1.note",
    "unknown_sig_ML-DSA-44.note",
    "unknown_sig_short.note",
    "witness_cosignature_v1.note",
    "tlog_cosignature_spec_example.note",
    "note_with_blank_line.note",
    "verdict_control_character_in_text.note",
    "verdict_101_unknown_signature_lines_+_known.note",
    "bundle_with_cosignature_v1.tlog-proof",
]


def _dir(shared: Path) -> Path:
    path = shared.joinpath(*DIRNAME)
    if not path.is_dir():
        pytest.fail(f"{path} not found (the shared folder is there, this data set is not)")
    return path


def _table(shared: Path) -> dict[str, tuple[list[str], str]]:
    """file → (key files given, expected verdict), from SOURCE.md's table."""
    rows: dict[str, tuple[list[str], str]] = {}
    for line in (_dir(shared) / "SOURCE.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("file", "") or set(cells[0]) <= {"-", " "}:
            continue
        keys = [] if cells[1] == "none" else [k.strip() for k in cells[1].split(",")]
        rows[cells[0]] = (keys, cells[2])
    return rows


def _keys(shared: Path, files: list[str]) -> list[PublicKey]:
    keys = []
    for name in files:
        for line in (_dir(shared) / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                keys.append(PublicKey.parse(line, file=name))
    return keys


def _read(shared: Path, name: str) -> str:
    return (_dir(shared) / name).read_bytes().decode("utf-8")  # strict: the spec requires UTF-8


def test_the_table_lists_these_files(shared: Path) -> None:
    assert sorted(_table(shared)) == sorted(FILES)


def test_every_file_has_a_verdict(shared: Path) -> None:
    """Every file in the directory is SOURCE.md, a file with a verdict, or a key file a row names."""
    table = _table(shared)
    named_keys = {k for keys, _ in table.values() for k in keys}
    unjudged = sorted(p.name for p in _dir(shared).iterdir()
                      if p.name != "SOURCE.md" and p.name not in table and p.name not in named_keys)
    assert unjudged == [], f"files without a verdict in SOURCE.md: {unjudged}"
    missing = sorted(f for f in [*table, *named_keys] if not (_dir(shared) / f).is_file())
    assert missing == [], f"SOURCE.md names files that are not there: {missing}"


@pytest.mark.parametrize("name", FILES)
def test_verdict(shared: Path, name: str) -> None:
    key_files, expected = _table(shared)[name]
    keys = _keys(shared, key_files)
    data = _read(shared, name)
    if name.endswith(".tlog-proof"):
        assert "verifies with the three keys" in expected and len(keys) == 3
        bundle = parse_bundle(data, file=name)
        cp = Checkpoint.from_text(bundle.note.text)
        log_key = next(k for k in keys if k.name == "log")
        report = verify_bundle(data, keys, origin=cp.origin, log_key=log_key, file=name)
        assert report.ok, report.problems
        assert report.signers == ("RU", "US", "log")
        return
    if expected.startswith("rejected"):
        with pytest.raises(InputError):
            Note.parse(data, file=name)
        return
    assert expected.startswith("parses")
    note = Note.parse(data, file=name)
    verified = sorted(k.name for k in note.verified_keys(keys))
    named = re.search(r"verified by `([^`]+)`", expected)
    if named:
        assert verified == [named.group(1)]
    elif "no known key" in expected:
        assert keys == [] and verified == []
    else:
        assert re.search(r"\bverified\b", expected) and verified == sorted(k.name for k in keys) != []


def test_blank_line_note_keeps_its_empty_line(shared: Path) -> None:
    """SOURCE.md: "text holds an empty line; the signature block starts after the LAST blank line"."""
    note = Note.parse(_read(shared, "note_with_blank_line.note"))
    assert note.text == "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n"
    assert [s.name for s in note.signatures] == ["example.com/poet"]
    assert Note.parse(note.encode()) == note  # what we write, we read back the same


@pytest.mark.parametrize("name, other, payload", [
    ("unknown_sig_cosignature_v1.note", "witness.example/w1", 76),  # SOURCE.md: "76-byte payload"
    ("unknown_sig_short.note", "other.example", 5),  # "the 5-byte line is ignored"
    ("unknown_sig_ML-DSA-44.note", "witness.example/pq", 4 + 8 + 2420),  # tlog-cosignature: ML-DSA-44 is 2420 bytes
    ("witness_cosignature_v1.note", "witness.example/w1", 76),
])
def test_unknown_lines_are_kept_whatever_their_length(shared: Path, name: str, other: str, payload: int) -> None:
    note = Note.parse(_read(shared, name))
    (line,) = [s for s in note.signatures if s.name == other]
    assert len(line.key_id) + len(line.signature) == payload
    # Kept, so a note passed on (a bundle, a published checkpoint) loses no one's signature.
    assert other in Note.parse(note.encode()).encode()


def test_over_100_signature_lines_is_malformed_but_100_is_not(shared: Path) -> None:
    data = _read(shared, "verdict_101_unknown_signature_lines_+_known.note")
    text, _, sigs = data.rpartition("\n\n")
    lines = sigs.splitlines()
    assert len(lines) == 102 and lines[0].startswith("\u2014 A ")  # the known key, then 101 unknown ones
    with pytest.raises(InputError, match="more than 100"):
        Note.parse(data)
    keys = _keys(shared, ["verdict_keys.vkey"])
    kept = Note.parse(text + "\n\n" + "\n".join(lines[:100]) + "\n")  # Go's bound is > 100
    assert [k.name for k in kept.verified_keys(keys)] == ["A"]


def test_control_character_is_named_with_its_line(shared: Path) -> None:
    with pytest.raises(InputError) as info:
        Note.parse(_read(shared, "verdict_control_character_in_text.note"), file="x.note")
    assert info.value.line == 1 and "'\\t'" in info.value.problem


# -- cosignature/v1 lines in the vectors --------------------------------------------------------

def _witness_line(shared: Path, name: str, witness: str) -> tuple[Note, object]:
    note = Note.parse(_read(shared, name))
    (line,) = [s for s in note.signatures if s.name == witness]
    return note, line


def test_spec_example_cosignature_has_the_spec_timestamp(shared: Path) -> None:
    """tlog-cosignature's example line decodes to key id, the timestamp 1679315147 that the
    spec's own signed-message example shows (``time 1679315147``), and a 64-byte signature."""
    note, line = _witness_line(shared, "tlog_cosignature_spec_example.note", "witness.example.com/w1")
    assert len(line.signature) == COSIGNATURE_SIZE
    timestamp, signature = split_cosignature(line.signature)
    assert timestamp == 1679315147 and len(signature) == 64
    assert Checkpoint.from_text(note.text).size == 20852163


def test_torchwood_cosignature_line_has_a_time(shared: Path) -> None:
    """litewitness's line: 4-byte key id, then an 8-byte big-endian POSIX time (1767225600,
    2026-01-01T00:00:00Z) and a 64-byte signature. (unknown_sig_cosignature_v1.note's line is
    only 76 bytes of the right length — its "time" is 5.8e18 — so it is checked for length only.)"""
    _note, line = _witness_line(shared, "witness_cosignature_v1.note", "witness.example/w1")
    parts = split_cosignature(line.signature)
    assert parts is not None and parts[0] == 1767225600 and len(parts[1]) == 64


def test_cosignature_lines_are_ignored_by_keys_that_are_not_theirs(shared: Path) -> None:
    """SOURCE.md: the witness line "is ignored unless its vkey (type 0x04) is given". The vectors
    do not ship the witness's key, so a key with the same name but not the same id must ignore
    it (C2SP: "ignore signatures from unknown keys, even if they share a name or ID")."""
    note, line = _witness_line(shared, "witness_cosignature_v1.note", "witness.example/w1")
    stranger = generate_witness_key("witness.example/w1").public
    assert stranger.id != line.key_id and cosigners(note, [stranger]) == {}
    log = _keys(shared, ["unknown_sig.vkey"])
    assert [k.name for k in note.verified_keys(log)] == ["example.com/log"]


def test_a_witness_cosignature_verifies_on_the_vectors_checkpoint(shared: Path) -> None:
    """Our own cosignature of the vectors' checkpoint is the same shape as litewitness's line
    (76-byte payload, same timestamp encoding) and verifies; moved to another note it does not."""
    note, theirs = _witness_line(shared, "witness_cosignature_v1.note", "witness.example/w1")
    ts, _ = split_cosignature(theirs.signature)
    ours = generate_witness_key("witness.example/w1")
    line = ours.cosign(note.text, ts)
    assert line.signature[:8] == theirs.signature[:8]  # the same timestamp, encoded the same way
    cosigned = note.with_signatures([line])
    assert cosigners(Note.parse(cosigned.encode()), [ours.public]) == {"witness.example/w1": ts}
    spec_note, _ = _witness_line(shared, "tlog_cosignature_spec_example.note", "witness.example.com/w1")
    assert ours.public.verify(spec_note.text, line) is None


def test_bundle_witness_line_needs_its_key(shared: Path) -> None:
    """The bundle's checkpoint carries a witness.example/w2 cosignature/v1 line; a verifier that
    requires a witness whose key it holds (here one it made up) fails the bundle; without
    witness requirements it verifies (the line is ignored)."""
    data = _read(shared, "bundle_with_cosignature_v1.tlog-proof")
    keys = _keys(shared, ["bundle_US.pub", "bundle_RU.pub", "bundle_log.pub"])
    log_key = next(k for k in keys if k.name == "log")
    origin = Checkpoint.from_text(parse_bundle(data).note.text).origin
    w2 = parse_bundle(data).note.signatures[-1]
    assert w2.name == "witness.example/w2" and split_cosignature(w2.signature) is not None
    made_up = WitnessKey("witness.example/w2", base64.b64decode("A" * 43 + "="))
    report = verify_bundle(data, keys, origin=origin, log_key=log_key, witnesses=[made_up])
    assert not report.ok and "cosigned by 0 of the witnesses given" in report.problems[0]
