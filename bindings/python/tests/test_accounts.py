"""Accounts, tokens and the outbox through the Python API (issue 5)."""

import datetime as dt
import json
import subprocess

import pytest

import sesshu

NOW = dt.datetime(2025, 4, 1, 3, 0, tzinfo=dt.timezone.utc)
CENTRAL = sesshu.Actor("central-0001", "central", "CENTRAL", ["central"])
ADMIN = sesshu.Actor("131016-0000", "municipality", "131016", ["administrator"])
STAFF = sesshu.Actor("131016-0009", "municipality", "131016", ["municipality"])
GOOD = "Sakura-Fuji-2025"


def test_account_lifecycle(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db, now=NOW)
    with pytest.raises(sesshu.NotAuthorizedError) as e:
        s.create_user(STAFF, "a@example.jp", "A", "municipality")
    assert e.value.code == "not_authorized"
    issued = s.create_user(ADMIN, "sato@example.jp", "佐藤 一郎", "municipality")
    assert issued.user_id == "131016-0001"
    assert issued.expires_at == NOW + dt.timedelta(hours=72)
    with pytest.raises(sesshu.SesshuError) as e:
        s.sign_in(issued.user_id, issued.temporary_password)
    assert e.value.code == "password_change_required"
    with pytest.raises(sesshu.SesshuError) as e:
        s.activate_account(issued.user_id, issued.url_token, issued.temporary_password, "short")
    assert e.value.code == "password_rejected"
    s.activate_account(issued.user_id, issued.url_token, issued.temporary_password, GOOD)
    me = s.sign_in(issued.user_id, GOOD)
    assert (me.organisation, me.roles) == ("131016", ["municipality"])
    with pytest.raises(sesshu.SesshuError) as e:
        s.sign_in("131016-9999", GOOD)
    assert e.value.code == "invalid_credentials"
    # Own changes: the e-mail waits for its link.
    assert s.update_own_account(me, name="佐藤 一郎", email="new@example.jp") == ["email"]
    assert s.update_own_account(me, linked_accounts=["131016-0042"]) == ["linked_accounts"]
    with pytest.raises(sesshu.ValidationError):
        s.update_own_account(me, linked_accounts=["not an id"])
    link = [n for n in s.pending_notifications(CENTRAL) if n.kind == "email_confirmation"][0]
    s.confirm_email(issued.user_id, link.secrets["link_token"])
    # Administrators change role and state within their organisation.
    assert s.update_user(ADMIN, issued.user_id, state="suspended") == ["state"]
    with pytest.raises(sesshu.SesshuError) as e:
        s.sign_in(issued.user_id, GOOD)
    assert e.value.code == "account_suspended"


def test_second_factor_reset_and_reminder(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db, now=NOW)
    issued = s.create_user(ADMIN, "totp@example.jp", "利用者", "municipality")
    s.activate_account(issued.user_id, issued.url_token, issued.temporary_password, GOOD)
    me = s.sign_in(issued.user_id, GOOD)
    secret, uri = s.enrol_totp(me)
    assert uri.startswith("otpauth://totp/sesshu:") and secret in uri
    with pytest.raises(sesshu.SesshuError):
        s.confirm_totp(me, "000000x")
    # A code from the RFC 6238 algorithm, computed here independently.
    import base64, hashlib, hmac, struct
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">q", int(NOW.timestamp()) // 30), hashlib.sha1).digest()
    o = mac[-1] & 15
    code = "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1_000_000)
    recovery = s.confirm_totp(me, code)
    assert len(recovery) == 10
    with pytest.raises(sesshu.SesshuError) as e:
        s.sign_in(issued.user_id, GOOD)
    assert e.value.code == "second_factor_required"
    s.sign_in(issued.user_id, GOOD, recovery[0])
    # Reset and reminder answer the same whether or not they match.
    before = len(s.pending_notifications(CENTRAL))
    s.request_password_reset(issued.user_id, "other@example.jp")
    s.remind_user_ids("nobody@example.jp")
    assert len(s.pending_notifications(CENTRAL)) == before
    s.request_password_reset(issued.user_id, "totp@example.jp")
    s.remind_user_ids("totp@example.jp")
    pending = s.pending_notifications(CENTRAL)
    assert [n.kind for n in pending[-2:]] == ["password_reset", "user_id_reminder"]
    s.ack_notifications(CENTRAL, [n.seq for n in pending])
    assert s.pending_notifications(CENTRAL) == []


def test_batches_and_tokens(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db, now=NOW)
    masters = {"municipalities": [
        {"code": "131016", "issuance": "target", "delegation": "approved", "email": "a@chiyoda.example.jp", "admin_name": "管理者"},
        {"code": "011002", "issuance": "target", "delegation": "approved", "admin_name": "管理者"},
    ]}
    issued, rejected = s.extract_first_administrators(CENTRAL, json.dumps(masters))
    assert issued == [("131016", "131016-0001")]
    assert rejected == [("011002", "missing_email")]
    assert s.extract_first_administrators(CENTRAL, json.dumps(masters))[0] == []
    later = sesshu.Sesshu.open_sqlite(tmp_db, now=dt.datetime(2026, 4, 1, tzinfo=dt.timezone.utc))
    assert later.inactivity(CENTRAL, dt.date(2026, 4, 1), execute=True) == (1, 1)
    assert later.inactivity(CENTRAL, dt.date(2026, 4, 1), execute=True) == (0, 0)

    t = s.issue_token(STAFF, "municipality", "131016", "健康管理システム")
    system = s.verify_token(t.token)
    assert (system.organisation, system.roles) == ("131016", ["municipality"])
    with pytest.raises(sesshu.SesshuError) as e:
        s.verify_token("sst_nope_nope")
    assert e.value.code == "invalid_token"
    new = s.rotate_token(STAFF, t.id)
    assert s.verify_token(new.token).organisation == "131016"
    assert s.revoke_token(STAFF, new.id) is True
    assert s.revoke_token(STAFF, new.id) is False
    with pytest.raises(sesshu.SesshuError) as e:
        s.verify_token(new.token)
    assert e.value.code == "token_revoked"


def test_certificates(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db, now=NOW)
    s.put_persons("131016", "clerk", [sesshu.Person(
        "P1", "S1", "山田 花子", "ヤマダ ハナコ", dt.date(1990, 5, 1), "female", None,
        [sesshu.ResidencyInterval("131016", dt.date(1990, 5, 1))])])
    s.put_records("131016", "clerk", [
        sesshu.Record("R1", "P1", "131016", "routine", "MR", 1, dt.date(2024, 1, 1), lot="AB12C"),
        sesshu.Record("T1", "P1", "131016", "temporary", "COVID19", 3, dt.date(2024, 2, 1))])
    issuer = dict(municipality_name="千代田区", head="千代田区長　千代田　太郎")
    c = s.issue_certificate("131016", "clerk", "P1", ["R1"], **issuer)
    assert (c.certificate_number, c.form) == ("131016-2025-000001", 1)
    assert isinstance(c.pdf, bytes) and c.pdf.startswith(b"%PDF-") and len(c.pdf) < 60_000
    with pytest.raises(sesshu.SesshuError) as e:
        s.issue_certificate("131016", "clerk", "P1", ["T1"], form=3, **issuer)
    assert e.value.code == "travel_details_required"
    with pytest.raises(sesshu.SesshuError) as e:
        s.issue_certificate("131016", "clerk", "P1", ["R1"], name="𠮷田 花子", **issuer)
    assert e.value.code == "unprintable_character"
    t = s.issue_certificate("131016", "clerk", "P1", ["T1"], form=3, passport_number="TK1234567",
                            nationality="JPN", name_roman="YAMADA HANAKO", applicant="delegate",
                            delegation_checked=True, **issuer)
    assert t.form == 3
    register = s.list_issuances("131016", "auditor")
    assert [i.certificate_number for i in register] == ["131016-2025-000001", "131016-2025-000002"]
    assert register[1].passport_number == "TK1234567" and register[1].applicant == "delegate"
    assert s.list_issuances("011002", "auditor") == []
    assert register[0].signed_by is None
    # The register downloads as CSV, one line per certificate.
    csv = s.export_issuances_csv("131016", "auditor").decode("utf-8-sig").splitlines()
    assert csv[0].startswith("certificate_number,issue_date,management_id,records,form,")
    assert [line.split(",")[0] for line in csv[1:]] == ["131016-2025-000001", "131016-2025-000002"]
    assert ",TK1234567," in csv[2]
    assert s.export_issuances_csv("131016", "auditor", "P2").decode("utf-8-sig").count("\n") == 1
    sjis = s.export_issuances_csv("131016", "auditor", encoding="shift_jis")
    assert not sjis.startswith(b"\xef\xbb\xbf") and sjis.count(b"\r\n") == 3


def test_signed_portal_certificates(tmp_db, tmp_path, signers):
    s = sesshu.Sesshu.open_sqlite(tmp_db, now=NOW)
    s.put_persons("131016", "clerk", [sesshu.Person(
        "P1", "S1", "山田 花子", "ヤマダ ハナコ", dt.date(1990, 5, 1), "female", None,
        [sesshu.ResidencyInterval("131016", dt.date(1990, 5, 1))])])
    s.put_records("131016", "clerk", [
        sesshu.Record("R1", "P1", "131016", "routine", "MR", 1, dt.date(2024, 1, 1))])
    issuer = dict(municipality_name="千代田区", head="千代田区長　千代田　太郎", channel="portal")
    with pytest.raises(sesshu.SesshuError) as e:
        s.issue_certificate("131016", "clerk", "P1", ["R1"], **issuer)
    assert e.value.code == "signer_required"
    keys = signers
    with pytest.raises(sesshu.SesshuError) as e:
        s.with_certificate_signer((keys / "rsa.key").read_text(), (keys / "ec.pem").read_text())
    assert e.value.code == "signing_key_mismatch"
    signing = s.with_certificate_signer((keys / "rsa.key").read_text(), (keys / "rsa.pem").read_text())
    c = signing.issue_certificate("131016", "clerk", "P1", ["R1"], **issuer)
    path = tmp_path / "signed.pdf"
    path.write_bytes(c.pdf)
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in report, report
    tampered = bytearray(c.pdf)
    tampered[c.pdf.index(b"stream\n") + 20] ^= 1
    path.write_bytes(bytes(tampered))
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature is Valid" not in report, report
    assert signing.list_issuances("131016", "auditor")[0].signed_by == "千代田区長 (rsa)"


def test_administrators_list_their_users(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db, now=NOW)
    first = s.create_user(ADMIN, "sato@example.jp", "佐藤 一郎", "municipality")
    second = s.create_user(ADMIN, "suzuki@example.jp", "鈴木 花子", "administrator")
    s.create_user(sesshu.Actor("011002-0000", "municipality", "011002", ["administrator"]),
                  "other@example.jp", "札幌 太郎", "municipality")
    s.activate_account(first.user_id, first.url_token, first.temporary_password, GOOD)
    s.sign_in(first.user_id, GOOD)
    s.update_user(ADMIN, second.user_id, state="suspended")

    users = s.list_users(ADMIN)
    assert [(u.user_id, u.role, u.state) for u in users] == [
        (first.user_id, "municipality", "active"), (second.user_id, "administrator", "suspended")]
    assert users[0].email == "sato@example.jp" and users[0].last_sign_in == NOW
    assert users[1].last_sign_in is None and users[1].issued_at == NOW
    assert [u.user_id for u in s.list_users(ADMIN, after=first.user_id)] == [second.user_id]
    assert [u.user_id for u in s.list_users(ADMIN, limit=1)] == [first.user_id]
    with pytest.raises(sesshu.NotAuthorizedError):
        s.list_users(STAFF)
    with pytest.raises(sesshu.ValidationError) as e:
        s.list_users(ADMIN, after="not an id")
    assert e.value.code == "invalid_key"


def test_the_operator_registers_connected_institutions(tmp_db):
    s = sesshu.Sesshu.open_sqlite(tmp_db, now=NOW)
    # Staff issue tokens for institutions outside the online eligibility network only.
    s.issue_token(STAFF, "medical_institution", "0110113719", "窓口端末")
    s.register_organisation(CENTRAL, "medical_institution", "0110113719", True)
    with pytest.raises(sesshu.NotAuthorizedError):
        s.issue_token(STAFF, "medical_institution", "0110113719", "窓口端末")
    s.register_organisation(CENTRAL, "medical_institution", "0110113719", False)
    s.issue_token(STAFF, "medical_institution", "0110113719", "窓口端末")
    with pytest.raises(sesshu.NotAuthorizedError):
        s.register_organisation(ADMIN, "medical_institution", "0110113719", True)
    with pytest.raises(sesshu.ValidationError) as e:
        s.register_organisation(CENTRAL, "hospital", "0110113719", True)
    assert e.value.code == "invalid_org_type"
