//! Notices (お知らせ情報発信, H-11, screen H_111-001): registered by the
//! operator, sent by e-mail to every active user of the targeted
//! categories — at once, or by the dispatch batch at or after the send
//! time — and shown on the notice board during their display period.
//!
//! A notice's e-mails and its change to `sent` are one commit, checked
//! against the version read: however often, late or concurrently the
//! dispatch runs, each notice's e-mails reach the outbox once (and each
//! carries a key of the notice and the user, which the outbox never
//! stores twice).

use std::collections::BTreeMap;

use crate::access_log::AccessAction;
use crate::authz::{Operation, Relation};
use crate::calendar::jst_date;
use crate::notices::{Notice, NoticeDraft, NoticeError, NoticeStatus};
use crate::outbox::{Notification, NotificationKind};
use crate::store::{ChangeSet, Expected, StoreError, StoredNotice, Write};
use crate::Error;

use super::{Actor, Sesshu};

/// How many users one read of the dispatch takes.
const USER_PAGE: usize = 1_000;
/// How many due notices one dispatch run takes at most.
const DUE_PAGE: usize = 1_000;

/// What a dispatch run sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DispatchReport {
    /// The notices this run sent, with how many e-mails each made.
    pub sent: Vec<(String, u64)>,
}

impl Sesshu {
    fn stored_notice(&self, id: &str) -> Result<StoredNotice, Error> {
        self.store
            .notice(id)?
            .ok_or_else(|| NoticeError::UnknownNotice { id: id.to_owned() }.into())
    }

    /// Registers a notice (通知内容の登録). Without a send time it is sent at
    /// once (即時): its e-mails are in the outbox when this returns.
    pub fn create_notice(&self, actor: &Actor, draft: &NoticeDraft) -> Result<StoredNotice, Error> {
        let id = self.dated_id("N")?;
        let notice = Notice::new(&id, draft, &actor.log_name(), self.now())?;
        self.guard(actor, Operation::ManageNotices, Relation::Own)?;
        let stored = StoredNotice { notice, version: 1 };
        if stored.notice.immediate {
            return self.send_notice(actor, stored, Expected::Absent);
        }
        self.store.commit(ChangeSet {
            writes: vec![Write::PutNotice {
                notice: Box::new(stored.clone()),
                expected: Expected::Absent,
            }],
            log: Vec::new(),
        })?;
        Ok(stored)
    }

    /// Every notice, by id.
    pub fn notices(&self, actor: &Actor) -> Result<Vec<StoredNotice>, Error> {
        self.guard(actor, Operation::ManageNotices, Relation::Own)?;
        Ok(self.store.notices(None, usize::MAX)?)
    }

    /// Changes a scheduled notice (from the `version` read); a send time
    /// left out sends it now.
    pub fn change_notice(
        &self,
        actor: &Actor,
        id: &str,
        draft: &NoticeDraft,
        version: i64,
    ) -> Result<StoredNotice, Error> {
        let current = self.stored_notice(id)?;
        let notice = Notice::new(id, draft, &current.notice.created_by, self.now())?;
        self.guard(actor, Operation::ManageNotices, Relation::Own)?;
        current.notice.require_scheduled()?;
        let changed = StoredNotice {
            notice: Notice {
                created_at: current.notice.created_at,
                ..notice
            },
            version: version + 1,
        };
        if changed.notice.immediate {
            return self.send_notice(actor, changed, Expected::Version(version));
        }
        self.store.commit(ChangeSet {
            writes: vec![Write::PutNotice {
                notice: Box::new(changed.clone()),
                expected: Expected::Version(version),
            }],
            log: Vec::new(),
        })?;
        Ok(changed)
    }

    /// Cancels a scheduled notice (from the `version` read).
    pub fn cancel_notice(
        &self,
        actor: &Actor,
        id: &str,
        version: i64,
    ) -> Result<StoredNotice, Error> {
        let current = self.stored_notice(id)?;
        self.guard(actor, Operation::ManageNotices, Relation::Own)?;
        current.notice.require_scheduled()?;
        let cancelled = StoredNotice {
            notice: Notice {
                status: NoticeStatus::Cancelled,
                ..current.notice
            },
            version: version + 1,
        };
        self.store.commit(ChangeSet {
            writes: vec![Write::PutNotice {
                notice: Box::new(cancelled.clone()),
                expected: Expected::Version(version),
            }],
            log: Vec::new(),
        })?;
        Ok(cancelled)
    }

    /// The dispatch batch (通知の実行): every scheduled notice whose send
    /// time has come is sent. A notice another run sent, changed or
    /// cancelled meanwhile is left to it.
    pub fn dispatch_notices(&self, actor: &Actor) -> Result<DispatchReport, Error> {
        self.guard(actor, Operation::DispatchNotices, Relation::Own)?;
        let mut report = DispatchReport::default();
        for due in self.store.due_notices(self.now(), DUE_PAGE)? {
            let expected = Expected::Version(due.version);
            let next = StoredNotice {
                version: due.version + 1,
                ..due
            };
            match self.send_notice(actor, next, expected) {
                Ok(sent) => report
                    .sent
                    .push((sent.notice.id.clone(), sent.notice.recipients)),
                Err(Error::Store(StoreError::Conflict { .. })) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }

    /// Puts the notice's e-mails in the outbox and marks it sent, in one
    /// commit checked against `expected`.
    fn send_notice(
        &self,
        actor: &Actor,
        mut notice: StoredNotice,
        expected: Expected,
    ) -> Result<StoredNotice, Error> {
        let now = self.now();
        let mut writes = Vec::new();
        let mut after: Option<(chrono::DateTime<chrono::Utc>, crate::accounts::UserId)> = None;
        let horizon = now + chrono::TimeDelta::days(1);
        loop {
            let page = self.store.inactive_users(
                horizon,
                after.as_ref().map(|(t, id)| (*t, id)),
                USER_PAGE,
            )?;
            let Some(last) = page.last() else { break };
            after = Some((
                crate::store::rows::last_activity(&last.user),
                last.user.id.clone(),
            ));
            for u in &page {
                let user = &u.user;
                if !notice.notice.targets(user.org_type, user.role) {
                    continue;
                }
                writes.push(Write::Notify {
                    notification: Notification {
                        seq: 0,
                        kind: NotificationKind::Notice,
                        recipient: user.email.clone(),
                        user: Some(user.id.clone()),
                        payload: BTreeMap::from([
                            ("notice".to_owned(), notice.notice.id.clone()),
                            ("title".to_owned(), notice.notice.title.clone()),
                            ("body".to_owned(), notice.notice.body.clone()),
                        ]),
                        secrets: BTreeMap::new(),
                        dedupe_key: Some(format!("notice:{}:{}", notice.notice.id, user.id)),
                        created_at: now,
                        delivered_at: None,
                    },
                });
            }
            if page.len() < USER_PAGE {
                break;
            }
        }
        notice.notice.status = NoticeStatus::Sent;
        notice.notice.sent_at = Some(now);
        notice.notice.recipients = writes.len() as u64;
        writes.insert(
            0,
            Write::PutNotice {
                notice: Box::new(notice.clone()),
                expected,
            },
        );
        self.store.commit(ChangeSet {
            writes,
            log: vec![self.logged(actor, AccessAction::SendNotice)],
        })?;
        Ok(notice)
    }

    /// The notice board (管理者からのお知らせ欄) of the signed-in actor: the
    /// sent notices in their display period today (Japan time) that target
    /// the actor's organisation type and roles, oldest first.
    pub fn notice_board(&self, actor: &Actor) -> Result<Vec<Notice>, Error> {
        self.guard(actor, Operation::ReadNoticeBoard, Relation::Own)?;
        let day = jst_date(self.now());
        Ok(self
            .store
            .board_notices(day)?
            .into_iter()
            .map(|n| n.notice)
            .filter(|n| n.on_board(day, actor.org_type, &actor.roles))
            .collect())
    }
}
