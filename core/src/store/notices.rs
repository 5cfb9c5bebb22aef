//! Notices (H-11): each stored as indexed columns (id, status, send time,
//! display period) beside a JSON body with the rest.

use chrono::{DateTime, NaiveDate, Utc};

use super::rows::{from_body, to_body};
use super::StoreError;
use crate::notices::{Notice, NoticeStatus, NoticeTarget};

/// A notice as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNotice {
    /// The notice.
    pub notice: Notice,
    /// Row version, from 1.
    pub version: i64,
}

/// The reads of notices. They are written with
/// [`Write::PutNotice`](super::Write::PutNotice).
pub trait NoticeStore: Send + Sync {
    /// A notice by id.
    fn notice(&self, id: &str) -> Result<Option<StoredNotice>, StoreError>;
    /// Every notice, by id, after `after`, at most `limit`.
    fn notices(&self, after: Option<&str>, limit: usize) -> Result<Vec<StoredNotice>, StoreError>;
    /// Scheduled notices whose send time is at or before `at`, by send
    /// time then id, at most `limit`.
    fn due_notices(&self, at: DateTime<Utc>, limit: usize)
        -> Result<Vec<StoredNotice>, StoreError>;
    /// Sent notices whose display period includes `day`, by send time
    /// then id (newest last).
    fn board_notices(&self, day: NaiveDate) -> Result<Vec<StoredNotice>, StoreError>;
}

#[derive(serde::Serialize, serde::Deserialize)]
struct NoticeBody {
    title: String,
    body: String,
    targets: Vec<String>,
    immediate: bool,
    created_by: String,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    recipients: u64,
}

/// A notice's columns as an engine stores them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeColumns {
    /// Its id.
    pub id: String,
    /// The status's stable name.
    pub status: String,
    /// When its e-mails are due.
    pub send_at: DateTime<Utc>,
    /// First day on the board.
    pub display_from: NaiveDate,
    /// Last day on the board.
    pub display_until: NaiveDate,
    /// The JSON body.
    pub body: String,
    /// Row version.
    pub version: i64,
}

impl NoticeColumns {
    /// The columns of `n`.
    pub fn of(n: &StoredNotice) -> Self {
        let notice = &n.notice;
        NoticeColumns {
            id: notice.id.clone(),
            status: notice.status.as_str().to_owned(),
            send_at: notice.send_at,
            display_from: notice.display_from,
            display_until: notice.display_until,
            body: to_body(&NoticeBody {
                title: notice.title.clone(),
                body: notice.body.clone(),
                targets: notice.targets.iter().map(ToString::to_string).collect(),
                immediate: notice.immediate,
                created_by: notice.created_by.clone(),
                created_at: notice.created_at,
                sent_at: notice.sent_at,
                recipients: notice.recipients,
            }),
            version: n.version,
        }
    }

    /// The notice these columns hold; anything unreadable is
    /// [`StoreError::Corrupt`].
    pub fn read(self) -> Result<StoredNotice, StoreError> {
        let bad = |reason: String| StoreError::Corrupt {
            entity: "notice",
            id: self.id.clone(),
            reason,
        };
        let body: NoticeBody = from_body("notice", &self.id, &self.body)?;
        let targets = body
            .targets
            .iter()
            .map(|t| NoticeTarget::parse(t))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(e.to_string()))?;
        let status = NoticeStatus::parse(&self.status).map_err(|e| bad(e.to_string()))?;
        Ok(StoredNotice {
            notice: Notice {
                id: self.id,
                title: body.title,
                body: body.body,
                targets,
                immediate: body.immediate,
                send_at: self.send_at,
                display_from: self.display_from,
                display_until: self.display_until,
                status,
                created_by: body.created_by,
                created_at: body.created_at,
                sent_at: body.sent_at,
                recipients: body.recipients,
            },
            version: self.version,
        })
    }
}
