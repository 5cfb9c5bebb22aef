//! Inactivity suspension (長期未使用アカウントの停止, H-1-8): about every six
//! months, accounts unused for six months are warned, then suspended.

use chrono::{DateTime, FixedOffset, Months, NaiveDate, Utc};
use thiserror::Error;

use crate::calendar::{start_of_day_jst, to_jst};
use crate::macros::named_enum;

/// Why an inactivity input was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum InactivityError {
    /// Not `active` or `suspended`.
    #[error("unknown account status {value:?}: expected active or suspended")]
    InvalidAccountStatus {
        /// The value as given.
        value: String,
    },
    /// The execution date is too early to go back six months from.
    #[error("execution date {date} is out of range")]
    DateOutOfRange {
        /// The date.
        date: NaiveDate,
    },
}

impl InactivityError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            InactivityError::InvalidAccountStatus { .. } => "invalid_account_status",
            InactivityError::DateOutOfRange { .. } => "date_out_of_range",
        }
    }
}

named_enum! {
    /// An account's state.
    pub enum AccountStatus {
        /// 有効: may sign in.
        Active = "active",
        /// 停止: may not sign in.
        Suspended = "suspended",
    }
    unknown: InactivityError = |v| InactivityError::InvalidAccountStatus { value: v.to_owned() };
}

/// What the inactivity rule reads of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountActivity {
    /// Active or suspended.
    pub status: AccountStatus,
    /// When the account was issued.
    pub issued_at: DateTime<Utc>,
    /// Last successful sign-in, if ever.
    pub last_login_at: Option<DateTime<Utc>>,
}

/// The dates of one inactivity run, planned for execution date E.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InactivitySchedule {
    /// E: the suspension runs on this Japan date.
    pub execution_date: NaiveDate,
    /// E minus one calendar month (day clamped to the month's end): the
    /// warning notice runs on this date.
    pub notice_date: NaiveDate,
    /// E 00:00 JST minus six calendar months (day clamped): activity before
    /// this instant counts as inactive.
    pub threshold: DateTime<Utc>,
}

impl InactivitySchedule {
    /// Plans a run for execution date `execution_date`.
    pub fn for_execution(execution_date: NaiveDate) -> Result<Self, InactivityError> {
        let out_of_range = || InactivityError::DateOutOfRange {
            date: execution_date,
        };
        let notice_date = execution_date
            .checked_sub_months(Months::new(1))
            .ok_or_else(out_of_range)?;
        let threshold_date = execution_date
            .checked_sub_months(Months::new(6))
            .ok_or_else(out_of_range)?;
        Ok(InactivitySchedule {
            execution_date,
            notice_date,
            threshold: start_of_day_jst(threshold_date),
        })
    }

    /// The threshold in JST, for display (`2025-10-01T00:00:00+09:00`).
    pub fn threshold_jst(&self) -> DateTime<FixedOffset> {
        to_jst(self.threshold)
    }

    /// An active account whose last sign-in (or, never signed in, its
    /// issuance) is strictly before the threshold.
    pub fn is_candidate(&self, account: &AccountActivity) -> bool {
        account.status == AccountStatus::Active
            && account.last_login_at.unwrap_or(account.issued_at) < self.threshold
    }
}
