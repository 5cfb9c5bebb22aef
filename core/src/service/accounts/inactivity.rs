//! The inactivity batches (H-1-8): notice, then suspension.

use super::*;

impl Sesshu {
    /// H-1-8 notice: warns every account the inactivity rule selects for
    /// execution date `execution`. Rerunning notifies nobody twice.
    pub fn inactivity_notice(
        &self,
        actor: &Actor,
        execution: NaiveDate,
        progress: impl FnMut(u64),
    ) -> Result<BatchReport, Error> {
        self.inactivity_batch(actor, execution, false, progress)
    }

    /// H-1-8 execution: suspends every account still inactive on
    /// `execution` and notifies it. Rerunning changes nothing.
    pub fn inactivity_execute(
        &self,
        actor: &Actor,
        execution: NaiveDate,
        progress: impl FnMut(u64),
    ) -> Result<BatchReport, Error> {
        self.inactivity_batch(actor, execution, true, progress)
    }

    fn inactivity_batch(
        &self,
        actor: &Actor,
        execution: NaiveDate,
        suspend: bool,
        mut progress: impl FnMut(u64),
    ) -> Result<BatchReport, Error> {
        const PAGE: usize = 5_000;
        self.guard(actor, Operation::RunAccountBatches, Relation::Own)?;
        let schedule = InactivitySchedule::for_execution(execution)?;
        let now = self.now();
        let (kind, tag) = if suspend {
            (NotificationKind::AccountSuspended, "suspended")
        } else {
            (NotificationKind::InactivityNotice, "notice")
        };
        let mut report = BatchReport::default();
        let mut after: Option<(DateTime<Utc>, UserId)> = None;
        loop {
            let page = self.store.inactive_users(
                schedule.threshold,
                after.as_ref().map(|(t, id)| (*t, id)),
                PAGE,
            )?;
            let Some(last) = page.last() else { break };
            after = Some((
                crate::store::rows::last_activity(&last.user),
                last.user.id.clone(),
            ));
            let full = page.len() == PAGE;
            let mut writes = Vec::new();
            for stored in page {
                if !schedule.is_candidate(&stored.user.activity()) {
                    continue;
                }
                report.candidates += 1;
                let notification = Notification {
                    seq: 0,
                    kind,
                    recipient: stored.user.email.clone(),
                    user: Some(stored.user.id.clone()),
                    payload: [
                        ("user_id".to_owned(), stored.user.id.to_string()),
                        ("execution_date".to_owned(), execution.to_string()),
                    ]
                    .into(),
                    secrets: Default::default(),
                    dedupe_key: Some(format!("inactivity_{tag}:{execution}:{}", stored.user.id)),
                    created_at: now,
                    delivered_at: None,
                };
                if suspend {
                    let mut user = stored.user;
                    user.state = AccountStatus::Suspended;
                    writes.push(Self::put_user(user, now, Expected::Version(stored.version)));
                }
                writes.push(Write::Notify { notification });
                report.changed += 1;
            }
            if !writes.is_empty() {
                self.store.commit(ChangeSet {
                    writes,
                    log: Vec::new(),
                })?;
            }
            progress(report.candidates);
            if !full {
                break;
            }
        }
        Ok(report)
    }
}
