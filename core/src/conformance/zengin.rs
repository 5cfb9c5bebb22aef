//! The zengin code-check master: replacement, backup, rollback, the check.

use super::*;
use crate::service::CsvEncoding;
use crate::zengin::ZenginFile;

const FIRST: &str = "bank_code,bank_name,bank_kana,branch_code,branch_name,branch_kana\n\
                     0001,みずほ,ミズホ,001,東京営業部,トウキヨウ\n\
                     0005,三菱ＵＦＪ,ミツビシユ－エフジエイ,001,本店,ホンテン\n\
                     9900,ゆうちょ,ユウチヨ,,,\n";
const SECOND: &str = "bank_code,bank_name,bank_kana,branch_code,branch_name,branch_kana\n\
                      0001,みずほ,ミズホ,004,丸の内中央,マルノウチチユウオウ\n";

fn file(text: &str) -> ZenginFile {
    ZenginFile::from_csv(text.as_bytes(), CsvEncoding::Utf8Bom).unwrap()
}

pub fn zengin_replacement_backup_and_rollback(store: Arc<dyn Store>) {
    let s = services(store.clone(), 0);
    let check = |bank: &str, branch: &str| match s.zengin_check(bank, branch) {
        Ok(()) => "ok",
        Err(e) => e.code(),
    };
    // Nothing loaded: every bank is unknown.
    assert_eq!(check("0001", "001"), "unknown_bank_code");
    assert_eq!(s.zengin_status().unwrap(), Default::default());
    // Only the central association replaces it; the refusal is logged.
    let e = s
        .zengin_load(&staff(CHIYODA), file(FIRST), "first.csv")
        .unwrap_err();
    assert_eq!(e.code(), "not_authorized");

    let first = s.zengin_load(&central(), file(FIRST), "first.csv").unwrap();
    assert!(first.changed);
    let current = first.status.current.clone().unwrap();
    assert_eq!((current.banks, current.branches), (3, 2));
    assert_eq!(current.source, "first.csv");
    assert_eq!(current.sha256, file(FIRST).sha256);
    assert_eq!(first.status.backup, None);
    assert_eq!(check("0001", "001"), "ok");
    assert_eq!(check("0005", "001"), "ok");
    assert_eq!(check("0001", "004"), "unknown_branch_code");
    assert_eq!(check("9900", "001"), "unknown_branch_code");
    assert_eq!(check("1234", "001"), "unknown_bank_code");
    assert_eq!(check("12", "001"), "invalid_bank_code");
    assert_eq!(check("０００１", "００１"), "ok");

    // A whole account, as an application checks it, against the stored master.
    let draft = |bank: &str, holder: &str| crate::bank_account::BankAccountDraft {
        class: crate::bank_account::AccountClass::Registered,
        bank: bank.into(),
        branch: "001".into(),
        deposit_type: crate::bank_account::DepositType::Ordinary,
        number: "1234567".into(),
        holder: holder.into(),
    };
    let rules = crate::identifiers::HolderNameRules::default();
    let account = |bank: &str, holder: &str| {
        s.check_bank_account(&draft(bank, holder), &rules)
            .map(|_| "ok")
            .unwrap_or_else(|e| e.code())
    };
    assert_eq!(account("0001", "ヤマダ タロウ"), "ok");
    assert_eq!(account("1234", "ヤマダ タロウ"), "unknown_bank_code");
    assert_eq!(account("12", "ヤマダ タロウ"), "invalid_bank_code");
    assert_ne!(account("0001", "山田"), "ok");

    // The same file again changes nothing: the backup is not lost.
    let again = s.zengin_load(&central(), file(FIRST), "first.csv").unwrap();
    assert!(!again.changed);
    assert_eq!(again.status, first.status);

    // A second file replaces it whole; the first is the backup.
    let second = s
        .zengin_load(&central(), file(SECOND), "second.csv")
        .unwrap();
    let (now, backup) = (
        second.status.current.clone().unwrap(),
        second.status.backup.clone().unwrap(),
    );
    assert!(now.generation > current.generation);
    assert_eq!(backup, current);
    assert_eq!((now.banks, now.branches), (1, 1));
    assert_eq!(check("0001", "004"), "ok");
    assert_eq!(check("0001", "001"), "unknown_branch_code");
    assert_eq!(check("0005", "001"), "unknown_bank_code");

    // A writer that read an older state conflicts and changes nothing.
    let stale = store.commit(ChangeSet {
        writes: vec![Write::ReplaceZengin {
            file: Box::new(file(FIRST)),
            source: "stale.csv".into(),
            loaded_at: at(5),
            expected: Expected::Version(current.generation),
        }],
        log: vec![],
    });
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    assert_eq!(s.zengin_status().unwrap(), second.status);

    // Rollback brings the first back; a second rollback undoes it.
    let rolled = s.zengin_rollback(&central()).unwrap();
    assert_eq!(rolled.status.current.as_ref(), Some(&current));
    assert_eq!(rolled.status.backup.as_ref(), Some(&now));
    assert_eq!(check("0001", "001"), "ok");
    assert_eq!(check("0001", "004"), "unknown_branch_code");
    let undone = s.zengin_rollback(&central()).unwrap();
    assert_eq!(undone.status, second.status);
    assert_eq!(check("0001", "004"), "ok");

    // A third load drops the oldest: what a rollback restores is the
    // load just replaced.
    let third = s.zengin_load(&central(), file(FIRST), "third.csv").unwrap();
    assert_eq!(third.status.backup.as_ref(), Some(&now));
    let third_now = third.status.current.clone().unwrap();
    assert!(third_now.generation > now.generation);
    assert_eq!(third_now.source, "third.csv");

    // Every change was logged under the operator.
    let logged = store
        .log_entries(1, 100)
        .unwrap()
        .into_iter()
        .filter(|e| e.draft.action == AccessAction::ReplaceZengin)
        .count();
    assert_eq!(logged, 5);
}

pub fn zengin_rollback_needs_a_backup(store: Arc<dyn Store>) {
    let s = services(store, 0);
    assert_eq!(
        s.zengin_rollback(&central()).unwrap_err().code(),
        "no_zengin_backup"
    );
    s.zengin_load(&central(), file(FIRST), "first.csv").unwrap();
    assert_eq!(
        s.zengin_rollback(&central()).unwrap_err().code(),
        "no_zengin_backup"
    );
    assert_eq!(
        s.zengin_rollback(&staff(CHIYODA)).unwrap_err().code(),
        "not_authorized"
    );
}
