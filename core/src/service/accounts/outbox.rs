//! The outbox: notifications waiting for the embedding system to send them.

use super::*;

impl Sesshu {
    /// Unsent notifications, oldest first (the embedding system sends them
    /// and acknowledges).
    pub fn pending_notifications(
        &self,
        actor: &Actor,
        limit: usize,
    ) -> Result<Vec<Notification>, Error> {
        self.guard(actor, Operation::DrainOutbox, Relation::Own)?;
        Ok(self.store.notifications(0, true, limit.clamp(1, 10_000))?)
    }

    /// Marks notifications sent; their secrets are erased.
    pub fn ack_notifications(&self, actor: &Actor, seqs: &[i64]) -> Result<(), Error> {
        self.guard(actor, Operation::DrainOutbox, Relation::Own)?;
        self.store.commit(ChangeSet {
            writes: vec![Write::AckNotifications {
                seqs: seqs.to_vec(),
                at: self.now(),
            }],
            log: Vec::new(),
        })?;
        Ok(())
    }
}
