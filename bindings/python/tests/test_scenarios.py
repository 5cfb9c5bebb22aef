"""Every shared scenario, through the Python API a vendor would call."""

import datetime as dt
import json
import os
import tempfile

import pytest

import sesshu
from conftest import project_scenarios_dir, scenarios_dir


def d(s):
    return dt.date.fromisoformat(s)


def ts(s):
    # The library's own reading of timestamp text (an offset is required).
    return sesshu.parse_timestamp(s)


def identifiers(g):
    kind, value = g["kind"], g["value"]
    if kind == "gs1":
        today = dt.date.fromisoformat(g["today"]) if "today" in g else None
        e = sesshu.parse_gs1(value, today)
        return {"gtin": e.gtin, "expiry": e.expiry.isoformat() if e.expiry else None, "lot": e.lot, "serial": e.serial}
    parse = {
        "municipality_code": sesshu.parse_municipality_code,
        "medical_institution_code": sesshu.parse_medical_institution_code,
        "gtin": sesshu.parse_gtin,
        "account_number": sesshu.parse_account_number,
        "account_holder_name": sesshu.parse_account_holder_name,
        "bank_code": sesshu.parse_bank_code,
        "branch_code": sesshu.parse_branch_code,
        "passport_number": sesshu.parse_passport_number,
        "nationality": sesshu.parse_nationality,
        "name_roman": sesshu.parse_roman_name,
        "roman_name": sesshu.parse_roman_name,
        "email": sesshu.parse_email,
    }[kind]
    return {"normalized": parse(value)}


def wareki(g):
    try:
        date = d(g["date"])
    except ValueError:
        return {"error": "invalid_date"}
    return {"text": sesshu.wareki(date)}


def record_access(g):
    m = sesshu.parse_municipality_code(g["municipality"])
    history = sesshu.ResidencyHistory(
        [sesshu.ResidencyInterval(i["municipality"], d(i["from"]), d(i["to"]) if i.get("to") else None) for i in g["residency"]]
    )
    access = sesshu.RecordAccess(history, m, d(g["date"]))
    out = {"visible": [], "certifiable": [], "portal": []}
    for r in g["records"]:
        a = access.evaluate(sesshu.RecordFacts(r["municipality"], r["category"], r["erroneous"]))
        for key in out:
            if getattr(a, key):
                out[key].append(r["id"])
    return out


def certificate_form(g):
    t = g.get("travel")
    travel = sesshu.TravelDetails(t.get("passport_number") or "", t.get("nationality") or "", t.get("name_roman") or "") if t else None
    s = sesshu.select_form(g["category"], g.get("requested_form"), travel)
    return {
        "form": s.form,
        "travel": None
        if s.travel is None
        else {"passport_number": s.travel.passport_number, "nationality": s.travel.nationality, "name_roman": s.travel.name_roman},
    }


def role_assignment(g):
    sesshu.check_role(g["org_type"], g["role"])
    return {"ok": True}


def account_extraction(g):
    def rows(key):
        return [
            sesshu.OrganisationRow(r["code"], r["issuance"], r.get("delegation"), r.get("union"), r.get("email"), r.get("admin_name"))
            for r in g.get(key, [])
        ]

    admins = [
        sesshu.AdministratorRow(r["org_code"], r["org_type"], r["issuance"], r.get("email"), r.get("admin_name"))
        for r in g.get("administrators", [])
    ]
    issue, rejected = sesshu.extract_first_administrators(
        g.get("already_issued", []), rows("medical_institutions"), rows("municipalities"), rows("unions"), admins
    )
    return {"issue": [a.org_code for a in issue], "rejected": [{"code": r.code, "error": r.error} for r in rejected]}


def password_policy(g):
    policy = sesshu.PasswordPolicy(**g["policy"])
    v = policy.check(g.get("user_id", ""), g.get("email", ""), g["password"], g.get("history", []))
    return {"ok": not v, "violations": v}


def inactivity_suspension(g):
    s = sesshu.InactivitySchedule(d(g["execution_date"]))
    candidates = [
        a["user_id"]
        for a in g["accounts"]
        if s.is_candidate(a["status"], ts(a["issued_at"]), ts(a["last_login_at"]) if a.get("last_login_at") else None)
    ]
    return {"notice_date": s.notice_date.isoformat(), "threshold": s.threshold.isoformat(), "candidates": candidates}


def record_link_diff(g):
    sesshu.parse_municipality_code(g["municipality"])  # checked even with no records
    return {
        "deliver": [
            r["id"]
            for r in g["records"]
            if sesshu.needs_delivery(
                g["municipality"], r["municipality"], ts(r["updated_at"]), ts(r["delivered_at"]) if r.get("delivered_at") else None
            )
        ]
    }


def questionnaire_diff(g):
    return {"modified": sesshu.modified_items(g["subject"], g["institution"])}


def bank_account_application(g):
    """Through the stored service, on a fresh SQLite store: the zengin
    master loaded, the institutions and federations in the masters, the
    initial accounts registered by the operator, then each step as the
    institution's administrator or the federation's staff."""
    directory = tempfile.mkdtemp()
    s = sesshu.Sesshu.open_sqlite(os.path.join(directory, "bank.db"))
    central = sesshu.Actor("operator", "central", "CENTRAL", ["central"])
    zengin = "bank_code,bank_name,bank_kana,branch_code,branch_name,branch_kana\n" + "".join(
        f"{z['bank']},銀行,ｷﾞﾝｺｳ,{z['branch']},支店,ｼﾃﾝ\n" for z in g.get("zengin", []))
    s.zengin_load(central, zengin.encode(), "scenario")
    federations = sorted({i["federation"] for i in g.get("institutions", [])})
    for f in federations:
        fed = sesshu.Actor(f, "federation", f, ["federation"])
        members = "".join(f"{f},{i['code']},2000-04-01\n" for i in g["institutions"] if i["federation"] == f)
        s.import_master_csv(fed, "member_institutions", ("federation,institution,valid_from\n" + members).encode())
        s.import_master_csv(fed, "federations", f"federation,name,email,valid_from\n{f},{f},{f.lower()}@example.jp,2000-04-01\n".encode())
    for i in g.get("institutions", []):
        staff = sesshu.Actor(i["code"], "medical_institution", i["code"], ["medical_staff"])
        s.import_master_csv(staff, "institutions", f"code,name,admin_email,valid_from\n{i['code']},{i['code']},a{i['code']}@example.jp,2000-04-01\n".encode())

    def draft(a):
        return sesshu.BankAccountDraft(a["class"], a["bank"], a["branch"], a["deposit_type"], a["number"], a["holder"])

    def actor(code):
        if len(code) == 10 and code.isdigit():
            return sesshu.Actor(code, "medical_institution", code, ["administrator"])
        return sesshu.Actor(code, "federation", code, ["federation"])

    for inst, usages in (g.get("active") or {}).items():
        for usage, account in usages.items():
            s.register_active_account(central, inst, usage, draft(account))
    ids = {}
    results = []
    for step in g["steps"]:
        try:
            action, by = step["action"], actor(step["by"])
            if action == "apply":
                if step["id"] in ids:
                    raise KeyError("duplicate_application")
                app = s.apply_bank_account(by, step.get("institution", step["by"]), step["usage"], draft(step["account"]))
                ids[step["id"]] = app.id
            elif step["id"] not in ids:
                raise KeyError("unknown_application")
            elif action == "approve":
                s.approve_bank_application(by, ids[step["id"]])
            elif action == "reject":
                s.reject_bank_application(by, ids[step["id"]], step.get("reason"), step.get("note"))
            elif action == "delete":
                s.delete_bank_application(by, ids[step["id"]])
            else:
                raise ValueError(action)
            results.append("ok")
        except sesshu.SesshuError as e:
            results.append({"error": e.code})
        except KeyError as e:
            results.append({"error": e.args[0]})
    scenario = {stored: mine for mine, stored in ids.items()}
    active = {}
    for i in g.get("institutions", []):
        for a in s.active_accounts(actor(i["code"]), i["code"]):
            x = a.account
            active.setdefault(a.institution, {})[a.usage] = {
                "class": x.account_class, "bank": x.bank, "branch": x.branch,
                "deposit_type": x.deposit_type, "number": x.number, "holder": x.holder,
            }
    notifications = []
    for n in s.pending_notifications(central, 10_000):
        p = n.payload
        if "application" not in p:
            continue
        item = {"to": p["organisation"], "event": p["event"], "application": scenario.get(p["application"], p["application"])}
        if "reason" in p:
            item["reason"] = int(p["reason"])
        notifications.append(item)
    status = {}
    for mine, stored in ids.items():
        for i in g.get("institutions", []):
            try:
                status[mine] = s.bank_application(actor(i["code"]), stored).status
                break
            except sesshu.NotAuthorizedError:
                continue
    return {"results": results, "status": status, "active": active, "notifications": notifications}


RULES = {
    "identifiers": identifiers,
    "wareki": wareki,
    "record_access": record_access,
    "certificate_form": certificate_form,
    "role_assignment": role_assignment,
    "account_extraction": account_extraction,
    "password_policy": password_policy,
    "inactivity_suspension": inactivity_suspension,
    "record_link_diff": record_link_diff,
    "questionnaire_diff": questionnaire_diff,
    "bank_account_application": bank_account_application,
}
ORDERED = {"bank_account_application": {"results", "notifications"}}


def canonical(v, ordered, keep=False):
    if isinstance(v, list):
        items = [canonical(i, ordered) for i in v]
        return items if keep else sorted(items, key=lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False))
    if isinstance(v, dict):
        return {k: canonical(x, ordered, k in ordered) for k, x in v.items()}
    if isinstance(v, str) and "T" in v:
        try:
            t = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
            if t.tzinfo is not None:
                return t.astimezone(dt.timezone.utc).isoformat()
        except ValueError:
            pass
    return v


def cases(dirs=None):
    paths = [p for d in dirs or (scenarios_dir(), project_scenarios_dir()) for p in sorted(d.glob("**/*.json"))]
    for path in paths:
        doc = json.loads(path.read_text(encoding="utf-8"))
        for i, case in enumerate(doc["cases"]):
            yield pytest.param(doc["rule"], case, id=f"{path.stem}::{case.get('name', i)}")


@pytest.mark.parametrize("rule,case", list(cases()))
def test_scenario(rule, case):
    assert rule in RULES, f"unknown rule {rule}"
    try:
        actual = RULES[rule](case["given"])
    except sesshu.SesshuError as e:
        assert isinstance(e.code, str) and e.code
        actual = {"error": e.code}
    expected = case["expect"]
    ordered = ORDERED.get(rule, set())
    if "error" in expected or "error" in actual:
        assert actual.get("error") == expected.get("error"), actual
        return
    for key, value in expected.items():
        assert key in actual, key
        keep = key in ordered
        assert canonical(actual[key], ordered, keep) == canonical(value, ordered, keep), key


def test_the_shared_scenarios_are_there():
    assert len(list(cases([scenarios_dir()]))) >= 100
    assert len(list(cases([project_scenarios_dir()]))) >= 100
