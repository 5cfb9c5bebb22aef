//! The storage conformance suite: one set of test functions that every
//! adapter runs unchanged (`sesshu_core::store_conformance_tests!`).
//!
//! Each function takes a fresh, empty store and panics on a failed check
//! (this module is test code, compiled only with the `testing` feature).
//! The checks live in one file per domain, as the store traits do; the
//! fixtures they share are here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::{Arc, Barrier};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use crate::access_log::{AccessAction, AccessLogDraft, ChainVerifier};
use crate::calendar::FixedClock;
use crate::identifiers::{
    ManagementId, MedicalInstitutionCode, MunicipalityCode, RecordId, SubjectNumber, VaccineCode,
};
use crate::persons::{Person, Sex};
use crate::questionnaire::{AnswerValue, Answers};
use crate::records::{Category, VaccinationRecord};
use crate::residency::{ResidencyHistory, ResidencyInterval};
use crate::service::{Actor, PutOutcome, RecordQuery, Sesshu};

use crate::records::RecordScope;
use crate::store::{
    ChangeSet, Expected, LogFilter, PersonFilter, Store, StoreError, StoredRecord, Write,
};

mod account_batches;
mod accounts;
mod bank_accounts;
mod certificates;
mod commits;
mod delivery;
mod log;
mod marts;
mod masters;
mod maternal;
mod persons;
mod questionnaires;
mod sign_in;
mod zengin;

pub use account_batches::*;
pub use accounts::*;
pub use bank_accounts::*;
pub use certificates::*;
pub use commits::*;
pub use delivery::*;
pub use log::*;
pub use marts::*;
pub use masters::*;
pub use maternal::*;
pub use persons::*;
pub use questionnaires::*;
pub use sign_in::*;
pub use zengin::*;

/// Generates one `#[test]` per conformance check for an adapter.
/// `$make` is an expression giving a fresh, empty `Arc<dyn Store>` each time.
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:expr) => {
        $crate::store_conformance_tests!(@tests $make;
            round_trip_with_japanese_text,
            lookups_by_subject_pmh_and_ids,
            atomic_change_sets,
            version_conflicts,
            idempotent_reruns,
            large_commit,
            delivery_is_at_least_once,
            delivery_logs_each_person_once,
            access_log_chain_and_search,
            concurrent_log_appends_keep_one_chain,
            log_search_by_subject_over_a_long_log,
            log_search_reads_past_what_it_may_not_see,
            person_search_filters_and_paging,
            staff_query_follows_visibility,
            person_with_records_reads_one_person,
            records_of_persons_reads_a_page,
            questionnaire_round_trip,
            questionnaire_list_and_download,
            concurrent_commits_exactly_one_wins,
            organisations_and_users_round_trip,
            inactive_users_are_found_by_last_activity,
            access_tokens_round_trip,
            outbox_dedupes_and_acknowledging_erases_secrets,
            account_lifecycle_and_lockout,
            second_factor_and_recovery_codes,
            resets_and_reminders_reveal_nothing,
            first_administrators_are_issued_once,
            inactivity_batches_are_idempotent,
            tokens_issue_verify_revoke_rotate,
            own_and_administrator_changes,
            issuance_register_round_trip,
            store_modes_bootstrap_and_sessions,
            dates_and_residency_are_checked_before_storing,
            person_and_residency_imports_go_through_the_services,
            zengin_replacement_backup_and_rollback,
            zengin_rollback_needs_a_backup,
            masters_upload_view_and_download,
            a_master_file_in_the_wrong_shape_is_refused_whole,
            vial_labels_resolve_through_the_gtin_master,
            daily_masters_received_idempotent_and_converging,
            master_differences_are_delivered_until_acknowledged,
            federations_write_their_own_rows,
            bank_applications_are_stored_decided_once_and_notified,
            one_pending_application_is_the_databases_constraint,
            simultaneous_decisions_store_exactly_one,
            federation_links_are_version_checked,
            notices_are_dispatched_once_at_or_after_their_time,
            every_maternal_template_uploads_generated_rows_cleanly,
            a_mixed_maternal_file_registers_the_good_and_returns_the_bad,
            maternal_interface_files_are_checked_and_answered,
            maternal_data_follows_the_residency_rule,
            marts_incremental_batches_equal_a_full_rebuild,
            a_mart_batch_stopped_anywhere_ends_as_an_uninterrupted_one,
            marts_are_built_by_the_operator_and_read_by_mhlw,
        );
    };
    (@tests $make:expr; $($name:ident),+ $(,)?) => {
        $(
            #[test]
            fn $name() {
                let store: ::std::sync::Arc<dyn $crate::store::Store> = $make;
                $crate::conformance::$name(store);
            }
        )+
    };
}

pub fn code(s: &str) -> MunicipalityCode {
    MunicipalityCode::parse(s).unwrap()
}

pub fn date(s: &str) -> NaiveDate {
    crate::calendar::parse_date(s).unwrap()
}

pub fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_740_000_000 + secs, 123_456_000)
        .unwrap()
}

pub const SAPPORO: &str = "011002";
pub const CHIYODA: &str = "131016";
pub const YOKOHAMA: &str = "141003";

/// A person who lived in Sapporo, then Chiyoda from 2020-04-01.
pub fn person(id: &str, name: &str, kana: &str) -> Person {
    Person {
        management_id: ManagementId::parse(id).unwrap(),
        subject_number: SubjectNumber::parse(&format!("S{id}")).unwrap(),
        name: name.into(),
        name_kana: kana.into(),
        birth_date: date("1990-05-01"),
        sex: Sex::Female,
        pmh_key: Some(format!("pmh-{id}")),
        residency: ResidencyHistory::new(vec![
            ResidencyInterval {
                municipality: code(SAPPORO),
                from: date("1990-05-01"),
                to: Some(date("2020-04-01")),
            },
            ResidencyInterval {
                municipality: code(CHIYODA),
                from: date("2020-04-01"),
                to: None,
            },
        ])
        .unwrap(),
    }
}

pub fn record(id: &str, person: &str, responsible: &str, on: &str) -> VaccinationRecord {
    VaccinationRecord {
        id: RecordId::parse(id).unwrap(),
        person: ManagementId::parse(person).unwrap(),
        responsible: code(responsible),
        category: Category::Routine,
        vaccine: VaccineCode::parse("MR").unwrap(),
        dose_number: 1,
        date: date(on),
        lot: Some("AB12C".into()),
        institution: Some(MedicalInstitutionCode::parse("1311234502").unwrap()),
        erroneous: false,
    }
}

pub fn put_person(p: Person, t: i64) -> Write {
    Write::PutPerson {
        person: p,
        updated_at: at(t),
        expected: Expected::Absent,
    }
}

pub fn put_record(r: VaccinationRecord, t: i64) -> Write {
    Write::PutRecord {
        record: r,
        updated_at: at(t),
        expected: Expected::Absent,
    }
}

pub fn log(actor: &str, action: AccessAction, subject: &str, t: i64) -> AccessLogDraft {
    AccessLogDraft {
        at: at(t),
        actor: actor.into(),
        organisation: CHIYODA.into(),
        action,
        subject: Some(ManagementId::parse(subject).unwrap()),
        record_ids: vec![RecordId::parse("r1").unwrap()],
    }
}

pub fn services(store: Arc<dyn Store>, t: i64) -> Sesshu {
    Sesshu::new(store, Arc::new(FixedClock(at(t))))
}

pub fn staff(m: &str) -> Actor {
    Actor::municipality(&format!("staff-{m}"), code(m))
}

pub fn id(s: &str) -> ManagementId {
    ManagementId::parse(s).unwrap()
}

pub fn rid(s: &str) -> RecordId {
    RecordId::parse(s).unwrap()
}

pub fn org_code(s: &str) -> crate::organisation::OrganisationCode {
    crate::organisation::OrganisationCode::parse(s).unwrap()
}

pub fn user(
    org: &str,
    n: u64,
    email: &str,
    issued: i64,
    last: Option<i64>,
) -> crate::accounts::User {
    use crate::accounts::{AccountStatus, Credentials, User, UserId};
    User {
        id: UserId::new(&org_code(org), n),
        org_type: crate::organisation::OrganisationType::Municipality,
        organisation: org_code(org),
        email: crate::identifiers::EmailAddress::parse(email).unwrap(),
        name: "山田 太郎".into(),
        role: crate::organisation::Role::Administrator,
        state: AccountStatus::Active,
        linked_accounts: vec![],
        issued_at: at(issued),
        last_sign_in: last.map(at),
        credentials: Credentials {
            password: Some(crate::accounts::PasswordHash::from_stored(
                "$argon2id$v=19$m=64,t=1,p=1$AAAA$BBBB",
            )),
            ..Credentials::default()
        },
    }
}

pub fn put_user(u: crate::accounts::User, expected: Expected) -> Write {
    Write::PutUser {
        user: Box::new(u),
        updated_at: at(0),
        expected,
    }
}

/// Services with a repeatable random source and cheap hashing (the tests
/// check behaviour, not cost).
pub fn account_services(store: Arc<dyn Store>, t: i64) -> Sesshu {
    services(store, t)
        .with_random(Arc::new(crate::secrets::SeededRandom::new(t as u64 + 7)))
        .with_account_config(crate::accounts::AccountConfig {
            argon2: crate::accounts::Argon2Params {
                memory_kib: 64,
                iterations: 1,
                parallelism: 1,
            },
            ..Default::default()
        })
}

pub fn admin_of(m: &str) -> Actor {
    Actor::new(
        &format!("{m}-0001"),
        crate::organisation::OrganisationType::Municipality,
        org_code(m),
        vec![crate::organisation::Role::Administrator],
    )
}

pub fn central() -> Actor {
    Actor::new(
        "central-0001",
        crate::organisation::OrganisationType::Central,
        org_code("CENTRAL"),
        vec![crate::organisation::Role::Central],
    )
}

pub fn email(s: &str) -> crate::identifiers::EmailAddress {
    crate::identifiers::EmailAddress::parse(s).unwrap()
}

pub const GOOD: &str = "Sakura-Fuji-2025";

pub fn activated(s: &Sesshu, m: &str, mail: &str) -> String {
    let issued = s
        .create_user(
            &admin_of(m),
            &email(mail),
            "利用者",
            crate::organisation::Role::Municipality,
        )
        .unwrap();
    s.activate_account(
        issued.user_id.as_str(),
        issued.url_token.expose(),
        issued.temporary_password.expose(),
        GOOD,
    )
    .unwrap();
    issued.user_id.to_string()
}

/// Services over a fresh [`MemoryStore`](crate::store::MemoryStore) holding
/// person `P1` (Sapporo, then Chiyoda from 2020-04-01) and Chiyoda's record
/// `R1` of 2024-01-01: the start of most services' unit tests.
pub fn chiyoda_with_a_record() -> Sesshu {
    let s = services(Arc::new(crate::store::MemoryStore::new()), 0);
    let chiyoda = staff(CHIYODA);
    s.put_person(&chiyoda, person("P1", "山田 花子", "ヤマダ ハナコ"))
        .unwrap();
    s.put_record(&chiyoda, record("R1", "P1", CHIYODA, "2024-01-01"))
        .unwrap();
    s
}
