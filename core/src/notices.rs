//! Notices (お知らせ情報発信, H-11, SPEC §12): content, the categories of
//! users it targets (by organisation type and role), immediate or
//! scheduled e-mail, and a display period on the notice board
//! (管理者からのお知らせ欄).
//!
//! The rules are pure: a draft is checked into a [`Notice`]; a notice is
//! due once its send time has come; it reaches a user when a target
//! matches the user's organisation type and role; it shows on the board
//! once sent, during its display period (dates in Japan time, both ends
//! included). The service makes the e-mails, one per user, idempotent by
//! a key of the notice and the user.

use chrono::{DateTime, NaiveDate, Utc};
use thiserror::Error;

use crate::macros::named_enum;
use crate::organisation::{OrganisationError, OrganisationType, Role};

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 100;
/// The longest content, in characters.
pub const MAX_BODY_CHARS: usize = 4000;

/// Why a notice or a step on it was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum NoticeError {
    /// The title is empty or too long.
    #[error("a notice's title must be 1–{MAX_TITLE_CHARS} characters (it is {chars})")]
    InvalidTitle {
        /// Its length.
        chars: usize,
    },
    /// The content is empty or too long.
    #[error("a notice's content must be 1–{MAX_BODY_CHARS} characters (it is {chars})")]
    InvalidBody {
        /// Its length.
        chars: usize,
    },
    /// No target category.
    #[error("a notice needs at least one target category (organisation type, optionally :role)")]
    NoTargets,
    /// A target category that does not exist (or a role the type cannot hold).
    #[error("target {value:?}: {reason}")]
    InvalidTarget {
        /// The target as given.
        value: String,
        /// Why.
        reason: String,
    },
    /// The display period ends before it begins.
    #[error("the display period ends ({until}) before it begins ({from})")]
    InvalidDisplayPeriod {
        /// First day.
        from: NaiveDate,
        /// Last day.
        until: NaiveDate,
    },
    /// A scheduled send time that has passed.
    #[error("the send time {at} has passed; send immediately instead")]
    SendTimePassed {
        /// The time given.
        at: DateTime<Utc>,
    },
    /// No notice has this id.
    #[error("unknown notice {id:?}")]
    UnknownNotice {
        /// The id.
        id: String,
    },
    /// The notice was sent or cancelled: it can no longer change.
    #[error("notice {id} is {status}; only a scheduled notice can be changed or cancelled")]
    NotScheduled {
        /// The notice.
        id: String,
        /// Its status.
        status: NoticeStatus,
    },
    /// Not a known notice status.
    #[error("unknown notice status {value:?}")]
    InvalidStatus {
        /// The value as given.
        value: String,
    },
}

impl NoticeError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            NoticeError::InvalidTitle { .. } => "invalid_notice_title",
            NoticeError::InvalidBody { .. } => "invalid_notice_body",
            NoticeError::NoTargets => "no_notice_targets",
            NoticeError::InvalidTarget { .. } => "invalid_notice_target",
            NoticeError::InvalidDisplayPeriod { .. } => "invalid_display_period",
            NoticeError::SendTimePassed { .. } => "send_time_passed",
            NoticeError::UnknownNotice { .. } => "unknown_notice",
            NoticeError::NotScheduled { .. } => "notice_not_scheduled",
            NoticeError::InvalidStatus { .. } => "invalid_notice_status",
        }
    }
}

named_enum! {
    /// Where a notice stands.
    pub enum NoticeStatus {
        /// 予約: waiting for its send time.
        Scheduled = "scheduled",
        /// 送信済: its e-mails are in the outbox; it shows on the board.
        Sent = "sent",
        /// 取消: cancelled before it was sent.
        Cancelled = "cancelled",
    }
    unknown: NoticeError = |v| NoticeError::InvalidStatus { value: v.to_owned() };
}

/// A category of users a notice targets (発信先カテゴリ): an organisation
/// type, and optionally one role within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NoticeTarget {
    /// The organisation type.
    pub org_type: OrganisationType,
    /// The role (none: every role of the type).
    pub role: Option<Role>,
}

impl NoticeTarget {
    /// Reads `type` or `type:role` (e.g. `medical_institution:doctor`).
    pub fn parse(input: &str) -> Result<Self, NoticeError> {
        let bad = |e: OrganisationError| NoticeError::InvalidTarget {
            value: input.to_owned(),
            reason: e.to_string(),
        };
        let (t, r) = match input.trim().split_once(':') {
            Some((t, r)) => (t, Some(r)),
            None => (input.trim(), None),
        };
        let org_type = OrganisationType::parse(t.trim()).map_err(bad)?;
        let role = match r {
            None => None,
            Some(r) => {
                let role = Role::parse(r.trim()).map_err(bad)?;
                org_type.check_role(role).map_err(bad)?;
                Some(role)
            }
        };
        Ok(NoticeTarget { org_type, role })
    }

    /// Whether a user of `org_type` holding `role` is in this category.
    pub fn matches(&self, org_type: OrganisationType, role: Role) -> bool {
        self.org_type == org_type && self.role.is_none_or(|r| r == role)
    }
}

impl std::fmt::Display for NoticeTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.role {
            Some(r) => write!(f, "{}:{}", self.org_type, r),
            None => write!(f, "{}", self.org_type),
        }
    }
}

/// A notice as its author writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeDraft {
    /// 件名.
    pub title: String,
    /// 通知内容.
    pub body: String,
    /// 通知先: the categories, as `type` or `type:role`.
    pub targets: Vec<String>,
    /// 通知メール送信日時: none to send immediately (即時).
    pub send_at: Option<DateTime<Utc>>,
    /// お知らせ欄への表示期間: first day (Japan time).
    pub display_from: NaiveDate,
    /// … last day, included.
    pub display_until: NaiveDate,
}

/// A checked notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Its id.
    pub id: String,
    /// 件名.
    pub title: String,
    /// 通知内容.
    pub body: String,
    /// The categories targeted, sorted, without repeats.
    pub targets: Vec<NoticeTarget>,
    /// Whether it was sent on registration (即時) rather than scheduled.
    pub immediate: bool,
    /// When its e-mails are due.
    pub send_at: DateTime<Utc>,
    /// First day on the board.
    pub display_from: NaiveDate,
    /// Last day on the board, included.
    pub display_until: NaiveDate,
    /// Where it stands.
    pub status: NoticeStatus,
    /// Who registered it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When its e-mails went to the outbox.
    pub sent_at: Option<DateTime<Utc>>,
    /// How many e-mails it made.
    pub recipients: u64,
}

impl Notice {
    /// Checks `draft` into the notice `id`, registered (or changed) by
    /// `by` at `now`: scheduled, or due at once when immediate.
    pub fn new(
        id: &str,
        draft: &NoticeDraft,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, NoticeError> {
        let title = draft.title.trim().to_owned();
        let chars = title.chars().count();
        if chars == 0 || chars > MAX_TITLE_CHARS {
            return Err(NoticeError::InvalidTitle { chars });
        }
        let body = draft.body.trim().to_owned();
        let chars = body.chars().count();
        if chars == 0 || chars > MAX_BODY_CHARS {
            return Err(NoticeError::InvalidBody { chars });
        }
        let mut targets = draft
            .targets
            .iter()
            .map(|t| NoticeTarget::parse(t))
            .collect::<Result<Vec<_>, _>>()?;
        targets.sort();
        targets.dedup();
        if targets.is_empty() {
            return Err(NoticeError::NoTargets);
        }
        if draft.display_until < draft.display_from {
            return Err(NoticeError::InvalidDisplayPeriod {
                from: draft.display_from,
                until: draft.display_until,
            });
        }
        let (immediate, send_at) = match draft.send_at {
            None => (true, now),
            Some(at) if at < now => return Err(NoticeError::SendTimePassed { at }),
            Some(at) => (false, at),
        };
        Ok(Notice {
            id: id.to_owned(),
            title,
            body,
            targets,
            immediate,
            send_at,
            display_from: draft.display_from,
            display_until: draft.display_until,
            status: NoticeStatus::Scheduled,
            created_by: by.to_owned(),
            created_at: now,
            sent_at: None,
            recipients: 0,
        })
    }

    /// Refuses a step on a notice that is no longer scheduled.
    pub fn require_scheduled(&self) -> Result<(), NoticeError> {
        if self.status == NoticeStatus::Scheduled {
            Ok(())
        } else {
            Err(NoticeError::NotScheduled {
                id: self.id.clone(),
                status: self.status,
            })
        }
    }

    /// Whether its e-mails are due at `now`: scheduled, and its time has come.
    pub fn due(&self, now: DateTime<Utc>) -> bool {
        self.status == NoticeStatus::Scheduled && self.send_at <= now
    }

    /// Whether a user of `org_type` holding `role` is targeted.
    pub fn targets(&self, org_type: OrganisationType, role: Role) -> bool {
        self.targets.iter().any(|t| t.matches(org_type, role))
    }

    /// Whether it shows on the board on `day` (Japan time) to a user of
    /// `org_type` holding one of `roles`: sent, in its display period,
    /// and targeting them.
    pub fn on_board(&self, day: NaiveDate, org_type: OrganisationType, roles: &[Role]) -> bool {
        self.status == NoticeStatus::Sent
            && self.display_from <= day
            && day <= self.display_until
            && roles.iter().any(|&r| self.targets(org_type, r))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, h, m, 0).unwrap()
    }

    fn draft(send_at: Option<DateTime<Utc>>) -> NoticeDraft {
        NoticeDraft {
            title: "システム停止のお知らせ".into(),
            body: "12月10日 2:00〜4:00 に保守作業を行います。".into(),
            targets: vec!["medical_institution:doctor".into(), "municipality".into()],
            send_at,
            display_from: NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
            display_until: NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
        }
    }

    #[test]
    fn targets_are_categories_of_type_and_role() {
        let n = Notice::new("N1", &draft(Some(at(10, 0))), "central-0001", at(9, 0)).unwrap();
        assert!(n.targets(OrganisationType::MedicalInstitution, Role::Doctor));
        assert!(!n.targets(OrganisationType::MedicalInstitution, Role::MedicalStaff));
        assert!(n.targets(OrganisationType::Municipality, Role::Administrator));
        assert!(!n.targets(OrganisationType::Federation, Role::Federation));
        assert_eq!(
            NoticeTarget::parse("federation:doctor").unwrap_err().code(),
            "invalid_notice_target"
        );
        assert_eq!(
            NoticeTarget::parse("hospital").unwrap_err().code(),
            "invalid_notice_target"
        );
    }

    #[test]
    fn due_at_or_after_its_time_and_on_the_board_once_sent() {
        let mut n = Notice::new("N1", &draft(Some(at(10, 0))), "c", at(9, 0)).unwrap();
        assert!(!n.due(at(9, 59)));
        assert!(n.due(at(10, 0)));
        assert!(n.due(at(10, 5)));
        let day = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert!(!n.on_board(day, OrganisationType::Municipality, &[Role::Municipality]));
        n.status = NoticeStatus::Sent;
        assert!(!n.due(at(10, 5)));
        assert!(n.on_board(day, OrganisationType::Municipality, &[Role::Municipality]));
        let after = NaiveDate::from_ymd_opt(2026, 12, 11).unwrap();
        assert!(!n.on_board(after, OrganisationType::Municipality, &[Role::Municipality]));
        assert_eq!(
            n.require_scheduled().unwrap_err().code(),
            "notice_not_scheduled"
        );
    }

    #[test]
    fn drafts_are_checked() {
        let mut d = draft(Some(at(8, 0)));
        assert_eq!(
            Notice::new("N", &d, "c", at(9, 0)).unwrap_err().code(),
            "send_time_passed"
        );
        d.send_at = None;
        let n = Notice::new("N", &d, "c", at(9, 0)).unwrap();
        assert!(n.immediate && n.due(at(9, 0)));
        d.targets.clear();
        assert_eq!(
            Notice::new("N", &d, "c", at(9, 0)).unwrap_err().code(),
            "no_notice_targets"
        );
        let mut d = draft(None);
        d.display_until = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(
            Notice::new("N", &d, "c", at(9, 0)).unwrap_err().code(),
            "invalid_display_period"
        );
        let mut d = draft(None);
        d.title = " ".into();
        assert_eq!(
            Notice::new("N", &d, "c", at(9, 0)).unwrap_err().code(),
            "invalid_notice_title"
        );
    }

    proptest! {
        #[test]
        fn a_target_without_a_role_covers_every_role_of_its_type(t in 0usize..7, r in 0usize..8) {
            let org_type = OrganisationType::ALL[t];
            let role = Role::ALL[r];
            let all = NoticeTarget { org_type, role: None };
            prop_assert!(all.matches(org_type, role));
            let one = NoticeTarget::parse(&format!("{org_type}:{role}"));
            prop_assert_eq!(one.is_ok(), org_type.may_hold(role));
            if let Ok(one) = one {
                prop_assert!(one.matches(org_type, role));
                prop_assert_eq!(one.to_string(), format!("{org_type}:{role}"));
            }
        }
    }
}
