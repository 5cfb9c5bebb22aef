"""Rules from Python where Python's own types meet them: instants must be
aware, and answers keep their Python type."""

import datetime as dt
from decimal import Decimal

import pytest

import sesshu


def test_an_instant_must_be_aware():
    naive = dt.datetime(2025, 4, 1, 10, 0)
    with pytest.raises(sesshu.ValidationError) as e:
        sesshu.needs_delivery("131016", "131016", naive)
    assert e.value.code == "invalid_timestamp"
    with pytest.raises(sesshu.ValidationError) as e:
        sesshu.Sesshu.open_sqlite(":memory:", now=naive)
    assert e.value.code == "invalid_timestamp"
    aware = dt.datetime(2025, 4, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    assert sesshu.needs_delivery("131016", "131016", aware) is True


def test_timestamp_text_needs_an_offset():
    t = sesshu.parse_timestamp("2025-04-01T10:00:00.001+09:00")
    assert t == dt.datetime(2025, 4, 1, 1, 0, 0, 1000, tzinfo=dt.timezone.utc)
    for text in ["2025-04-01T10:00:00", "2025-04-01", "yesterday"]:
        with pytest.raises(sesshu.ValidationError) as e:
            sesshu.parse_timestamp(text)
        assert e.value.code == "invalid_timestamp"


def test_text_that_reads_as_a_number_stays_text():
    assert sesshu.modified_items({"a": "1"}, {"a": 1}) == ["a"]
    assert sesshu.modified_items({"a": Decimal("1.0")}, {"a": 1}) == []
    assert sesshu.modified_items({"t": 36.5}, {"t": Decimal("36.50")}) == []


def test_an_unknown_type_or_role_is_bad_input_and_a_forbidden_role_the_rules_refusal():
    sesshu.check_role("medical_institution", "doctor")
    for org_type, role, code in [("hospital", "doctor", "invalid_org_type"),
                                 ("municipality", "nurse", "invalid_role")]:
        with pytest.raises(sesshu.ValidationError) as e:
            sesshu.check_role(org_type, role)
        assert e.value.code == code
    with pytest.raises(sesshu.RuleError) as e:
        sesshu.check_role("municipality", "doctor")
    assert e.value.code == "role_not_allowed"


def test_a_password_policy_argument_left_out_is_the_librarys_default():
    # Eleven characters: too short for the default (12), enough for 10.
    password = "Abcdefghij1"
    assert sesshu.PasswordPolicy().check("u1", "a@example.jp", password) == ["too_short"]
    assert sesshu.PasswordPolicy(min_length=10).check("u1", "a@example.jp", password) == []
    # The other defaults still hold when one is given.
    assert sesshu.PasswordPolicy(min_length=10).check("u1", "a@example.jp", "abcdefghij1") == ["missing_uppercase"]
    with pytest.raises(sesshu.ValidationError) as e:
        sesshu.PasswordPolicy(min_length=20, max_length=10)
    assert e.value.code == "invalid_policy"


def test_choices_are_a_list_or_a_tuple():
    assert sesshu.modified_items({"c": ["a", "b"]}, {"c": ("a", "b")}) == []
    assert sesshu.modified_items({"c": ["a", None]}, {"c": ["a"]}) == []
    assert sesshu.modified_items({"c": ["a"]}, {"c": ["b"]}) == ["c"]
    with pytest.raises(sesshu.ValidationError) as e:
        sesshu.modified_items({"c": b"ab"}, {})
    assert e.value.code == "invalid_answer"


def test_a_gs1_expiry_year_takes_its_century_from_the_reading_date():
    label = "(01)04987123456784(17)770615"
    assert sesshu.parse_gs1(label, dt.date(2026, 12, 3)).expiry == dt.date(1977, 6, 15)
    assert sesshu.parse_gs1(label, dt.date(2030, 1, 1)).expiry == dt.date(2077, 6, 15)
    # Without a date: today, in Japan.
    jst_today = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=9)).date()
    assert sesshu.parse_gs1(label).expiry == sesshu.parse_gs1(label, jst_today).expiry
