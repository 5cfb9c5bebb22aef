"""Bank accounts (H-9), federation links (H-10) and notices (H-11) through Python."""

import datetime as dt
import threading

import pytest

import sesshu

CENTRAL = sesshu.Actor("op-1", "central", "CENTRAL", ["central"])
CLINIC = sesshu.Actor("c-1", "medical_institution", "1311234502", ["administrator"])
STAFF = sesshu.Actor("c-2", "medical_institution", "1311234502", ["medical_staff"])
F13 = sesshu.Actor("f-1", "federation", "F13", ["federation"])
F27 = sesshu.Actor("f-2", "federation", "F27", ["federation"])
ZENGIN = ("bank_code,bank_name,bank_kana,branch_code,branch_name,branch_kana\n"
          "0005,三菱ＵＦＪ,ﾐﾂﾋﾞｼ,123,新宿,ｼﾝｼﾞﾕｸ\n0009,三井住友,ﾐﾂｲｽﾐﾄﾓ,100,本店,ﾎﾝﾃﾝ\n")


def store(path, now=None):
    s = sesshu.Sesshu.open_sqlite(path, now)
    s.zengin_load(CENTRAL, ZENGIN.encode(), "zengin.csv")
    s.import_master_csv(F13, "member_institutions", b"federation,institution,valid_from\nF13,1311234502,2020-04-01\n")
    s.import_master_csv(F13, "federations", "federation,name,email,valid_from\nF13,東京都国保連,kouza@f13.example.jp,2020-04-01\n".encode())
    s.import_master_csv(F13, "federation_accounts", "federation,account,bank,branch,deposit_type,number,holder,valid_from\nF13,A1,0009,100,ordinary,1234567,ﾄｳｷﾖｳ,2020-04-01\n".encode())
    s.import_master_csv(STAFF, "institutions", "code,name,admin_email,valid_from\n1311234502,さくら,admin@sakura.example.jp,2020-04-01\n".encode())
    return s


def account(bank="0005", branch="123"):
    return sesshu.BankAccountDraft("registered", bank, branch, "ordinary", "7654321", "カ）サクラクリニック")


def test_apply_attach_decide_once_and_notify(tmp_db):
    s = store(tmp_db)
    with pytest.raises(sesshu.ValidationError) as e:
        s.apply_bank_account(CLINIC, "1311234502", "vaccination", account(), [("scan.pdf", b"PK\x03\x04zip")])
    assert e.value.code == "attachment_type_refused"
    app = s.apply_bank_account(CLINIC, "1311234502", "vaccination", account(), [("通帳.jpg", b"%PDF-1.7 scan")])
    assert (app.status, app.federation, app.account.holder) == ("pending", "F13", "ｶ)ｻｸﾗｸﾘﾆﾂｸ")
    assert app.attachments[0].media_type == "application/pdf" and len(app.attachments[0].sha256) == 64
    with pytest.raises(sesshu.RuleError) as e:
        s.apply_bank_account(CLINIC, "1311234502", "vaccination", account())
    assert e.value.code == "application_pending"
    assert s.bank_attachment(F13, app.id, 1) == b"%PDF-1.7 scan"
    with pytest.raises(sesshu.NotAuthorizedError):
        s.bank_attachment(F27, app.id, 1)
    with pytest.raises(sesshu.NotAuthorizedError):
        s.approve_bank_application(F27, app.id)
    with pytest.raises(sesshu.RuleError) as e:
        s.reject_bank_application(F13, app.id, 7)
    assert e.value.code == "note_required"
    assert [a.id for a in s.bank_applications(F13, pending_only=True)] == [app.id]

    results = []

    def decide():
        try:
            s.approve_bank_application(F13, app.id)
            results.append("ok")
        except sesshu.SesshuError as err:
            results.append(err.code)

    threads = [threading.Thread(target=decide) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1 and set(results) <= {"ok", "not_pending", "conflict"}
    active = s.active_accounts(CLINIC, "1311234502")
    assert [(a.usage, a.account.bank, a.application) for a in active] == [("vaccination", "0005", app.id)]
    kinds = [(n.kind, n.recipient) for n in s.pending_notifications(CENTRAL, 100) if n.kind.startswith("bank_")]
    assert kinds == [
        ("bank_account_applied", "kouza@f13.example.jp"),
        ("bank_account_approved", "admin@sakura.example.jp"),
        ("bank_account_approved", "kouza@f13.example.jp"),
    ]


def test_federation_links_and_the_payment_account(tmp_db):
    s = store(tmp_db)
    link = s.add_federation_link(F13, "0005", "A1")
    assert (link.bank, link.account, link.version) == ("0005", "A1", 1)
    with pytest.raises(sesshu.ConflictError):
        s.change_federation_link(F13, "0005", "A1", 7)
    with pytest.raises(sesshu.NotFoundError) as e:
        s.add_federation_link(F13, "0009", "NOPE")
    assert e.value.code == "unknown_federation_account"
    assert s.payment_account(F13, "1311234502") is None
    app = s.apply_bank_account(CLINIC, "1311234502", "vaccination", account())
    s.approve_bank_application(F13, app.id)
    pay = s.payment_account(F13, "1311234502")
    assert (pay.link.account, pay.federation_account.values["number"]) == ("A1", "1234567")
    s.delete_federation_link(F13, "0005", 1)
    assert s.federation_links(F13) == []


def test_a_notice_is_mailed_once_at_or_after_its_time(tmp_path):
    path = str(tmp_path / "n.db")
    utc = dt.timezone.utc
    at = lambda h, m: dt.datetime(2026, 12, 4, h, m, tzinfo=utc)
    s = sesshu.Sesshu.open_sqlite(path, at(0, 0))
    n = s.create_notice(CENTRAL, "保守のお知らせ", "12月10日は停止します", ["federation"],
                        dt.date(2026, 12, 4), dt.date(2026, 12, 10), at(1, 0))
    assert n.status == "scheduled"
    for now, sent in [(at(0, 59), []), (at(1, 0), [n.id]), (at(1, 5), [])]:
        got = sesshu.Sesshu.open_sqlite(path, now).dispatch_notices(CENTRAL)
        assert [d.notice for d in got] == sent
    later = sesshu.Sesshu.open_sqlite(path, at(2, 0))
    assert [b.title for b in later.notice_board(F13)] == ["保守のお知らせ"]
    assert later.notice_board(CLINIC) == []
    with pytest.raises(sesshu.RuleError) as e:
        later.cancel_notice(CENTRAL, n.id, 2)
    assert e.value.code == "notice_not_scheduled"
