"""Hostile inputs to the stores, the ledger and its CLI (review R3 of issue 8): what a party, a
database operator or a careless user can hand accord, and what must come back — a one-line
error or a finding, never a traceback, a leaked password or a store that behaves unlike the
others."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from typer.testing import CliRunner

from accord.cli import app
from accord.errors import DuplicateLeafError, InputError, StoreError
from accord.ledger import Ledger, audit, merkle
from accord.ledger.bundle import make_bundle, verify_bundle
from accord.ledger.canonical import MAX_DEPTH, canonical_json, parse_canonical
from accord.ledger.entries import Entry, utc_now
from accord.ledger.stores import open_store, redact_url
from accord.ledger.stores.postgres import PostgresStore

META = {"schema": "accord.ledger/v1", "origin": "o", "agreement": "a"}
runner = CliRunner()


def _row(i: int, party: str = "US", at: str = "2026-02-05T00:00:00Z") -> tuple[str, str, str, bytes, bytes]:
    body = b"\x00" * 64 + f'{{"n":{i}}}'.encode()
    return ("declaration", party, at, body, merkle.leaf_hash(body))


def _create(store) -> None:
    body = b"\x00" * 64 + b'{"genesis":true}'
    store.create(META, "genesis", "2026-02-05T00:00:00Z", body, merkle.leaf_hash(body))


def _nested(depth: int) -> dict:
    value: dict = {"n": 1}
    for _ in range(depth - 1):
        value = {"n": value}
    return value


def _one_line_exit_2(r, *needles: str) -> None:
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and len(r.stderr.strip().splitlines()) == 1, r.stderr
    for needle in needles:
        assert needle in r.stderr, r.stderr


# -- nesting depth: what is admitted can always be read back --------------------------------------


def test_canonical_json_refuses_nesting_past_its_limit_and_parse_never_overflows() -> None:
    assert canonical_json(_nested(MAX_DEPTH)).count(b"{") == MAX_DEPTH
    for deep in (_nested(MAX_DEPTH + 1), {"x": 1.5, "y": _nested(MAX_DEPTH)}):  # (a float: rfc8785's path)
        with pytest.raises(InputError, match="nests deeper than"):
            canonical_json(deep, field="payload")
    with pytest.raises(InputError, match="nests deeper than"):
        parse_canonical(b"[" * 100_000 + b"]" * 100_000)


def test_a_payload_nested_near_the_recursion_limit_is_refused_at_admission(ledger, parties) -> None:
    # Before: accepted up to ~990 levels (whatever the stack allowed), then the audit, parsing at
    # a deeper stack, died of RecursionError: one party could break everyone's audit.
    ledger.sign_and_append(parties.us, [Entry("declaration", "US", utc_now(), _nested(MAX_DEPTH - 1))])
    for depth in (MAX_DEPTH, 990, 5000):
        with pytest.raises(InputError, match="nests deeper than"):
            ledger.sign_and_append(parties.us, [Entry("declaration", "US", utc_now(), _nested(depth))])
    assert ledger.size() == 2 and audit(ledger.store).ok


def test_audit_reports_a_deeply_nested_stored_entry_instead_of_crashing(ledger) -> None:
    deep = b"\x00" * 64 + b'{"issued_at":"2026-02-05T00:00:00Z","kind":"x","party":"US","payload":' + (
        b"[" * 50_000 + b"]" * 50_000 + b"}")
    with ledger.store.write() as w:  # as an operator with database access would
        w.append([("x", "US", "2026-02-05T00:00:00Z", deep, merkle.leaf_hash(deep))])
    for workers in (1, 2):
        report = audit(ledger.store.url, workers=workers, chunk_size=1)
        assert not report.ok
        assert [(p.index, p.kind) for p in report.problems] == [(1, "format")], report.problems


def test_a_bundle_carrying_a_deeply_nested_entry_is_reported_not_raised(ledger, parties) -> None:
    ledger.sign_and_append(parties.us, [Entry("declaration", "US", utc_now(), {"n": 1})])
    ledger.checkpoint(parties.log)
    lines = make_bundle(ledger, 1).split("\n")
    leaf = b"\x00" * 64 + b'{"payload":' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    lines[1] = "extra " + base64.b64encode(leaf).decode()
    report = verify_bundle("\n".join(lines), [parties.us.public, parties.log.public])
    assert not report.ok and any("entry is malformed" in p for p in report.problems)


# -- the store contract, on every backend ---------------------------------------------------------


def test_reads_see_only_committed_writes(db_url) -> None:
    # The memory store showed another store a write transaction's rows before it committed (and
    # then rolled them back): a dirty read no database store allows.
    with open_store(db_url) as writer:
        _create(writer)
        inside, done = threading.Event(), threading.Event()
        seen: dict[str, object] = {}

        def reader() -> None:
            inside.wait(10)
            with open_store(db_url) as other:
                seen["size"] = other.size()
                seen["rows"] = [r.index for r in other.rows()]
                seen["checkpoints"] = other.checkpoints()
                seen["cosignatures"] = other.cosignatures(1)
                seen["nodes"] = list(other.all_nodes())
            done.set()

        thread = threading.Thread(target=reader)
        thread.start()
        with pytest.raises(RuntimeError), writer.write() as w:
            w.append([_row(1), _row(2), _row(3)])
            w.add_checkpoint(1, writer.root(1), "note")
            w.add_cosignature(1, "US", b"\x01" * 4, b"\x02" * 64)
            assert writer.size() == 4  # the writer sees its own rows
            inside.set()
            done.wait(10)
            raise RuntimeError("roll back")
        thread.join()
        assert seen == {"size": 1, "rows": [0], "checkpoints": [], "cosignatures": [], "nodes": []}
        assert writer.size() == 1 and writer.checkpoints() == []


def test_out_of_range_reads_agree_on_every_store(db_url) -> None:
    with open_store(db_url) as store:
        _create(store)
        with store.write() as w:
            w.append([_row(i) for i in range(1, 8)])
        assert list(store.scan(0, -1)) == []  # index < -1: nothing (memory gave all but the last)
        assert [r[0] for r in store.scan(-3, 2)] == [0, 1] and list(store.scan(5, 2)) == []
        assert [r[0] for r in store.scan(6, 10**20)] == [6, 7]  # SQLite raised OverflowError
        assert store.row(10**20) is None and store.row(-1) is None
        assert store.nodes([(0, -1), (-1, 0), (1, -1), (0, 10**20)]) == {}  # memory: negative shift


def test_a_replay_inside_one_batch_is_a_duplicate_leaf_on_every_store(db_url) -> None:
    with open_store(db_url) as store:
        _create(store)
        with pytest.raises(DuplicateLeafError) as caught, store.write() as w:
            w.append([_row(1), _row(1)])
        assert caught.value.index is None and store.size() == 1


def test_cosignatures_come_in_code_point_order_on_every_store(db_url) -> None:
    with open_store(db_url) as store:
        _create(store)
        with store.write() as w:
            w.add_checkpoint(1, store.root(), "note")
            for name in ("log", "US", "RU", "b", "_x", "Zed"):
                w.add_cosignature(1, name, b"\x01" * 4, b"\x02" * 64)
        assert [c[0] for c in store.cosignatures(1)] == ["RU", "US", "Zed", "_x", "b", "log"]


def test_cosignature_order_does_not_follow_the_servers_collation(postgres_url) -> None:
    # Many servers' default collation is en_US (case-insensitive order): ORDER BY name then
    # listed "log" before "US", unlike SQLite and the memory store.
    url = f"{postgres_url}{'&' if '?' in postgres_url else '?'}schema=accord_test_{uuid.uuid4().hex[:12]}"
    with open_store(url) as store:
        assert isinstance(store, PostgresStore)
        try:
            _create(store)
            store._execute('ALTER TABLE cosignatures ALTER COLUMN name TYPE TEXT COLLATE "en-US-x-icu"')
            with store.write() as w:
                w.add_checkpoint(1, store.root(), "note")
                for name in ("log", "US"):
                    w.add_cosignature(1, name, b"\x01" * 4, b"\x02" * 64)
            assert [c[0] for c in store.cosignatures(1)] == ["US", "log"]
        finally:
            store.drop()


def test_using_a_store_without_a_ledger_is_a_store_error_on_every_store(db_url) -> None:
    with open_store(db_url) as store:
        for read in (store.size, store.meta, store.checkpoints):
            with pytest.raises(StoreError):
                read()
        with pytest.raises(StoreError), store.write() as w:  # PostgreSQL: a raw psycopg error
            w.append([_row(1)])


# -- URLs ---------------------------------------------------------------------------------------


def test_redact_url_keeps_the_url_usable_and_hides_every_password() -> None:
    for url in ("sqlite:///rel.db", "sqlite:////abs/dir/l.db", "memory:x", "postgresql:///db?host=/run/pg",
                "postgresql://bob@host/db?schema=s"):
        assert redact_url(url) == url  # urlunsplit turned these into sqlite:/rel.db, sqlite://abs/…
    assert redact_url("postgresql://bob:pa#ss@h/db") == "postgresql://bob:***@h/db"
    assert redact_url("postgresql://h/db?sslpassword=s3cret&x=1") == "postgresql://h/db?sslpassword=***&x=1"
    assert redact_url("postgresql://bob:s3cret@[::1/db") == "postgresql://bob:***@[::1/db"  # did raise


@pytest.mark.parametrize("url", ["sqlite://bob:s3cret@host/x.db", "sqlite:///x.db?password=s3cret",
                                 "postgresql://bob:s3cret@[::1/test", "x://bob:s3cret@[::1/"])
def test_a_bad_url_is_one_line_without_its_password(url: str) -> None:
    with pytest.raises(InputError) as caught:
        open_store(url)
    assert "s3cret" not in caught.value.one_line()
    r = runner.invoke(app, ["ledger", "audit", url])
    _one_line_exit_2(r)
    assert "s3cret" not in r.output


def test_memory_scheme_in_capitals_names_the_same_store() -> None:
    store = open_store("MEMORY:r3-caps")
    assert store.url == "memory:r3-caps"


def test_a_host_less_postgresql_url_opens(postgres_url, parties) -> None:
    # libpq's form for a socket or a host given as a parameter: the DSN lost its '//' before.
    parts = urlsplit(postgres_url)
    schema = f"accord_test_{uuid.uuid4().hex[:12]}"
    url = f"postgresql://{parts.path}?host={parts.hostname}&port={parts.port or 5432}" + (
        f"&user={parts.username}" if parts.username else "") + f"&schema={schema}"
    with Ledger.create(url, agreement="x", parties=[parties.us.public]) as made:
        try:
            assert made.size() == 1 and audit(url).ok
        finally:
            made.store.drop()  # type: ignore[attr-defined]


def test_init_reports_a_url_that_opens_the_ledger_it_made(tmp_path: Path, parties) -> None:
    pub = tmp_path / "US.pub"
    pub.write_text(parties.us.public.vkey + "\n")
    db = f"sqlite:///{tmp_path / 'abs.db'}"  # absolute: four slashes
    r = runner.invoke(app, ["ledger", "init", db, "--agreement", "x", "--key", f"US={pub}", "--format", "json"])
    assert r.exit_code == 0, r.output
    shown = json.loads(r.stdout)["db"]
    assert shown == db  # it was sqlite://<path>: a host, which open_store refuses
    with Ledger.open(shown) as again:
        assert again.size() == 1


def test_init_under_a_file_is_one_line(tmp_path: Path, parties) -> None:
    pub = tmp_path / "US.pub"
    pub.write_text(parties.us.public.vkey + "\n")
    r = runner.invoke(app, ["ledger", "init", str(pub / "l.db"), "--agreement", "x", "--key", f"US={pub}"])
    _one_line_exit_2(r, "cannot create the folder")


# -- a database changed behind the ledger's back --------------------------------------------------


def _cli_ledger(tmp_path: Path, parties) -> tuple[str, Path, Path]:
    keys = tmp_path / "keys"
    keys.mkdir()
    for k in (parties.us, parties.ru, parties.log):
        (keys / f"{k.name}.pub").write_text(k.public.vkey + "\n")
    from accord.ledger.keys import write_atomic

    for k in (parties.us, parties.log):
        write_atomic(keys / f"{k.name}.key", (k.skey + "\n").encode(), mode=0o600)
    db = f"sqlite:///{tmp_path / 'l.db'}"
    with Ledger.create(db, agreement="x", parties=[parties.us.public, parties.ru.public],
                       log_key=parties.log.public) as made:
        made.sign_and_append(parties.us, [Entry("declaration", "US", utc_now(), {"n": i}) for i in range(3)])
        made.checkpoint(parties.log)
    payload = tmp_path / "p.json"
    payload.write_text('{"n": 9}')
    return db, keys, payload


def test_append_after_an_entry_was_deleted_is_one_line(tmp_path: Path, parties, tamper) -> None:
    db, keys, payload = _cli_ledger(tmp_path, parties)
    with open_store(db) as store:
        tamper(store, "DELETE FROM entries WHERE idx = 3")
    r = runner.invoke(app, ["ledger", "append", db, str(payload), "--key", str(keys / "US.key"), "--kind", "d"])
    _one_line_exit_2(r, "write refused")  # was sqlite3.IntegrityError with a traceback
    r = runner.invoke(app, ["ledger", "prove", db, "--index", "1", "--out", str(tmp_path / "b")])
    _one_line_exit_2(r, "covers more entries than the 3 stored")  # was "<input>: size: …"


def test_a_row_relabelled_as_a_key_rotation_is_the_databases_fault(tmp_path: Path, parties, tamper) -> None:
    db, keys, payload = _cli_ledger(tmp_path, parties)
    with open_store(db) as store:
        tamper(store, "UPDATE entries SET kind = 'key-rotation' WHERE idx = 2")
    for args in (["append", db, str(payload), "--key", str(keys / "US.key"), "--kind", "d"],
                 ["checkpoint", db, "--key", str(keys / "log.key")]):  # checkpoint exited 1
        r = runner.invoke(app, ["ledger", *args])
        _one_line_exit_2(r, "entry 2, stored as a key rotation")
        assert str(payload) not in r.stderr  # it blamed the user's payload file


def test_export_names_a_damaged_entry(tmp_path: Path, parties, tamper) -> None:
    db, _keys, _payload = _cli_ledger(tmp_path, parties)
    with open_store(db) as store:
        tamper(store, "UPDATE entries SET body = x'00' WHERE idx = 2")
    r = runner.invoke(app, ["ledger", "export", db])
    _one_line_exit_2(r, "entry 2:")
    assert "<input>" not in r.stderr


def test_a_cosigner_state_with_a_short_root_is_refused_under_python_O(tmp_path: Path) -> None:
    state = tmp_path / "US.cosigned"
    state.write_text(json.dumps({"schema": "accord.ledger.cosigner-state/v1",
                                 "logs": {"o": {"size": 3, "root": "AAAA"}}}))
    code = ("import sys\nfrom accord.errors import InputError\nfrom accord.ledger.checkpoint import CosignerState\n"
            "try:\n    CosignerState.load(sys.argv[1])\nexcept InputError:\n    sys.exit(3)\n")
    done = subprocess.run([sys.executable, "-O", "-c", code, str(state)], capture_output=True, text=True)
    assert done.returncode == 3, done.stderr


# -- issue 9: base64 and sizes in notes; concurrent cosigners; driver errors -----------------------


def test_non_ascii_base64_and_huge_sizes_in_notes_and_checkpoints_are_input_errors() -> None:
    from accord.ledger.note import Checkpoint, Note

    root = base64.b64encode(bytes(32)).decode()
    for text in (f"o\n3\n{root[:-2]}\u00e9=\n", f"o\n{'9' * 5000}\n{root}\n", f"o\n\u0663\n{root}\n"):
        with pytest.raises(InputError):  # was: ValueError (non-ASCII base64, 5,000 digits) — a traceback
            Checkpoint.from_text(text)
    with pytest.raises(InputError, match="signature is not base64"):
        Note.parse(f"o\n3\n{root}\n\n\u2014 log AAAA\u00e9AAA=\n")


def test_two_cosigners_with_one_key_racing_checkpoints_neither_fail_nor_say_the_log_shrank(db_url, parties) -> None:
    # A cosign racing a checkpoint said "log shrank": it read the latest checkpoint, then (in a
    # second read) a newer one already signed with its key — here US runs the log (no log key)
    # and so signs every checkpoint. Two cosigns with one key raised PostgreSQL's raw
    # UniqueViolation; the same cosignature twice is a no-op now.
    from accord.ledger import CosignerState, cosign_ledger

    with Ledger.create(db_url, agreement="x", parties=[parties.us.public, parties.ru.public]) as made:
        made.sign_and_append(parties.us, [Entry("declaration", "US", utc_now(), {"n": 0})])
        made.checkpoint(parties.us)
    errors: list[BaseException] = []
    stop = threading.Event()

    def checkpoints() -> None:
        with Ledger.open(db_url) as ledger:
            for n in range(1, 40):
                ledger.sign_and_append(parties.us, [Entry("declaration", "US", utc_now(), {"n": n})])
                ledger.checkpoint(parties.us)
        stop.set()

    def cosigner() -> None:
        state = CosignerState({})
        with Ledger.open(db_url) as ledger:
            while not stop.is_set():
                try:
                    _cp, _note, state = cosign_ledger(ledger, parties.us, state)
                except BaseException as exc:
                    errors.append(exc)
                    return

    threads = [threading.Thread(target=f) for f in (checkpoints, cosigner, cosigner)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Ledger.open(db_url) as ledger:
        assert audit(ledger.store).ok


def test_the_same_cosignature_twice_is_stored_once_and_another_is_refused(db_url) -> None:
    with open_store(db_url) as store:
        _create(store)
        with store.write() as w:
            w.add_checkpoint(1, store.root(), "note")
            w.add_cosignature(1, "US", b"\x01" * 4, b"\x02" * 64)
        with store.write() as w:
            w.add_cosignature(1, "US", b"\x01" * 4, b"\x02" * 64)  # a no-op
        assert store.cosignatures(1) == [("US", b"\x01" * 4, b"\x02" * 64)]
        with pytest.raises(StoreError, match="with another signature"), store.write() as w:
            w.add_cosignature(1, "US", b"\x01" * 4, b"\x03" * 64)
        assert store.cosignatures(1) == [("US", b"\x01" * 4, b"\x02" * 64)]


def test_postgres_scans_raise_store_errors_not_driver_errors(postgres_url, parties) -> None:
    url = f"{postgres_url}{'&' if '?' in postgres_url else '?'}schema=accord_test_{uuid.uuid4().hex[:12]}"
    with Ledger.create(url, agreement="x", parties=[parties.us.public]) as ledger:
        store = ledger.store
        assert isinstance(store, PostgresStore)
        try:
            store._execute("DROP TABLE nodes")
            report = audit(store)  # a report, not an exception
            assert [(p.kind, "does not exist" in p.detail) for p in report.problems] == [("database", True)]
            store._execute("ALTER TABLE entries RENAME TO gone")
            for read in (lambda: list(store.all_nodes()), lambda: list(store.scan()), lambda: list(store.rows()),
                         lambda: list(store.raw_rows("entries"))):
                with pytest.raises(StoreError, match="does not exist"):  # was psycopg.errors.UndefinedTable
                    read()
        finally:
            store.drop()


def test_postgres_check_constraints_refuse_out_of_range_rows(postgres_url) -> None:
    url = f"{postgres_url}{'&' if '?' in postgres_url else '?'}schema=accord_test_{uuid.uuid4().hex[:12]}"
    with open_store(url) as store:
        try:
            _create(store)
            for sql in ("INSERT INTO nodes VALUES (1, -1, %s)", "INSERT INTO nodes VALUES (70, 0, %s)",
                        "INSERT INTO checkpoints VALUES (-3, %s, 'n')"):
                with pytest.raises(StoreError, match="check constraint"):
                    store._execute(sql, (bytes(32),))
            with pytest.raises(StoreError, match="check constraint"):
                store._execute("INSERT INTO entries VALUES (5, 'k', 'US', '2026-02-05T00:00:00Z', %s, %s)",
                               (bytes(31), bytes(70)))
        finally:
            store.drop()


def test_typed_reads_of_a_hand_edited_store_are_store_errors(tmp_path: Path, parties, tamper) -> None:
    # A value of the wrong type (a text root, a text leaf) made the typed reads raise TypeError
    # from deep inside: every command then showed a traceback.
    db, _keys, _payload = _cli_ledger(tmp_path, parties)
    with open_store(db) as store:
        for table in ("checkpoints", "entries"):  # as plain tables (STRICT ones refuse a text in a BLOB)
            for sql in (f"CREATE TABLE copy AS SELECT * FROM {table}", f"DROP TABLE {table}",
                        f"ALTER TABLE copy RENAME TO {table}"):
                tamper(store, sql)
        tamper(store, "UPDATE checkpoints SET root = 'abc'")
        tamper(store, "UPDATE entries SET leaf = 'abc' WHERE idx = 2")
    with Ledger.open(db) as ledger:
        for read in (ledger.checkpoint_notes, lambda: ledger.store.row(2), lambda: list(ledger.store.rows())):
            with pytest.raises(StoreError, match="wrong type"):
                read()
    r = runner.invoke(app, ["ledger", "export", db])
    _one_line_exit_2(r, "wrong type")
