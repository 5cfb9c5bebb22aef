//! A commit's writes applied to the state, each as its engine would.

use super::*;

/// Checks `expected` against the version found (`None`: absent).
fn check(
    entity: &'static str,
    id: &str,
    found: Option<i64>,
    expected: Expected,
) -> Result<i64, StoreError> {
    expected.check(entity, id, found)
}

/// A key already there, for rows written once.
fn exists(entity: &'static str, id: &str) -> StoreError {
    StoreError::Conflict {
        entity,
        id: id.to_owned(),
        expected: Expected::Absent,
        found: FoundVersion(Some(1)),
    }
}

impl State {
    pub(super) fn apply(&mut self, write: Write) -> Result<i64, StoreError> {
        match write {
            Write::PutPerson {
                person,
                updated_at,
                expected,
            } => {
                let id = person.management_id.clone();
                let found = self.persons.get(&id).map(|p| p.version);
                let version = check("person", id.as_str(), found, expected)?;
                self.persons.insert(
                    id,
                    StoredPerson {
                        person,
                        version,
                        updated_at,
                    },
                );
                Ok(version)
            }
            Write::PutRecord {
                record,
                updated_at,
                expected,
            } => {
                let id = record.id.clone();
                let found = self.records.get(&id).map(|r| r.version);
                let version = check("record", id.as_str(), found, expected)?;
                self.record_seq += 1;
                self.records.insert(
                    id,
                    StoredRecord {
                        record,
                        version,
                        updated_at,
                        seq: self.record_seq,
                    },
                );
                Ok(version)
            }
            Write::PutQuestionnaire {
                record,
                subject,
                institution,
                updated_at,
                expected,
            } => {
                let found = self.questionnaires.get(&record).map(|q| q.version);
                let version = check("questionnaire", record.as_str(), found, expected)?;
                self.questionnaires.insert(
                    record.clone(),
                    StoredQuestionnaire {
                        record,
                        subject,
                        institution,
                        version,
                        updated_at,
                    },
                );
                Ok(version)
            }
            Write::CreateBatch { batch } => {
                if self.batches.contains_key(&batch.id) {
                    return Err(exists("delivery batch", &batch.id));
                }
                let batch = DeliveryBatch {
                    acked_at: None,
                    version: 1,
                    ..batch
                };
                self.batches.insert(batch.id.clone(), batch);
                Ok(1)
            }
            Write::AckBatch {
                id,
                acked_at,
                expected,
            } => {
                let found = self.batches.get(&id).map(|b| b.version);
                let version = check("delivery batch", &id, found, expected)?;
                let Some(batch) = self.batches.get_mut(&id) else {
                    return Err(exists("delivery batch", &id));
                };
                batch.acked_at = Some(acked_at);
                batch.version = version;
                let cursor = self.cursors.entry(batch.municipality).or_insert(0);
                *cursor = (*cursor).max(batch.through_seq);
                Ok(version)
            }
            Write::PutOrganisation {
                organisation,
                expected,
            } => self.put_organisation(organisation, expected),
            Write::PutUser {
                user,
                updated_at,
                expected,
            } => self.put_user(*user, updated_at, expected),
            Write::PutAccessToken { token, expected } => {
                let found = self.tokens.get(&token.id).map(|t| t.version);
                let version = check("access token", &token.id, found, expected)?;
                self.tokens
                    .insert(token.id.clone(), AccessToken { version, ..token });
                Ok(version)
            }
            Write::PutSetting { key, value } => {
                if self.settings.contains_key(&key) {
                    return Err(exists("store setting", &key));
                }
                self.settings.insert(key, value);
                Ok(1)
            }
            Write::PutIssuance { issuance } => {
                let number = issuance.certificate_number.clone();
                if self.issuances.contains_key(&number) {
                    return Err(exists("issuance", &number));
                }
                self.issuances.insert(number, *issuance);
                Ok(1)
            }
            Write::Notify { notification } => {
                let duplicate = notification.dedupe_key.is_some()
                    && self
                        .outbox
                        .iter()
                        .any(|n| n.dedupe_key == notification.dedupe_key);
                if !duplicate {
                    let seq = self.outbox.last().map_or(0, |n| n.seq) + 1;
                    self.outbox.push(Notification {
                        seq,
                        delivered_at: None,
                        ..notification
                    });
                }
                Ok(1)
            }
            Write::PutMasterRows { rows, .. } => {
                let n = rows.len() as i64;
                for row in rows {
                    self.master_seq += 1;
                    let key = (row.kind.name, row.key_id(), row.valid_from);
                    self.masters.insert(key, (row, self.master_seq));
                }
                Ok(n)
            }
            Write::SetMasterCounter {
                name,
                value,
                expected,
            } => {
                let found = self.master_counters.get(&name).copied();
                if found != expected {
                    return Err(crate::store::masters::counter_conflict(
                        &name, expected, found,
                    ));
                }
                self.master_counters.insert(name, value);
                Ok(value)
            }
            Write::ReplaceZengin {
                file,
                source,
                loaded_at,
                expected,
            } => {
                let current = self.zengin.as_ref().map(|s| s.load.generation);
                check("zengin master", "current", current, expected)?;
                self.zengin_generations += 1;
                let mut master = file
                    .branches
                    .iter()
                    .map(|b| (b.bank, b.code))
                    .collect::<crate::identifiers::ZenginMaster>();
                for bank in &file.banks {
                    master.insert_bank(bank.code);
                }
                let slot = ZenginSlot {
                    load: crate::zengin::ZenginLoad {
                        generation: self.zengin_generations,
                        sha256: file.sha256.clone(),
                        source,
                        loaded_at,
                        banks: file.banks.len() as i64,
                        branches: file.branches.len() as i64,
                    },
                    master: std::sync::Arc::new(master),
                };
                self.zengin_backup = self.zengin.replace(slot);
                Ok(self.zengin_generations)
            }
            Write::RollbackZengin { expected } => {
                let current = self.zengin.as_ref().map(|s| s.load.generation);
                check("zengin master", "current", current, expected)?;
                let Some(backup) = self.zengin_backup.take() else {
                    return Err(StoreError::Conflict {
                        entity: "zengin backup",
                        id: "backup".into(),
                        expected: Expected::Version(0),
                        found: FoundVersion(None),
                    });
                };
                self.zengin_backup = self.zengin.replace(backup);
                Ok(self.zengin.as_ref().map_or(0, |s| s.load.generation))
            }
            w @ (Write::PutBankApplication { .. }
            | Write::PutBankAttachment { .. }
            | Write::PutActiveAccount { .. }
            | Write::PutFederationLink { .. }
            | Write::DeleteFederationLink { .. }
            | Write::PutNotice { .. }) => self.apply_bank_or_notice(w),
            Write::PutMaternalRows {
                rows,
                municipality,
                updated_at,
            } => Ok(self.put_maternal(rows, municipality, updated_at)),
            Write::PutMartBatch(batch) => self.put_mart_batch(*batch),
            Write::AckNotifications { seqs, at } => {
                for n in &mut self.outbox {
                    if seqs.contains(&n.seq) && n.delivered_at.is_none() {
                        n.delivered_at = Some(at);
                        n.secrets.clear();
                    }
                }
                Ok(1)
            }
        }
    }

    fn put_organisation(
        &mut self,
        organisation: Organisation,
        expected: Expected,
    ) -> Result<i64, StoreError> {
        let code = organisation.code.clone();
        let found = self.organisations.get(&code).map(|o| o.version);
        let version = check("organisation", code.as_str(), found, expected)?;
        self.organisations.insert(
            code,
            StoredOrganisation {
                organisation,
                version,
            },
        );
        Ok(version)
    }

    fn put_user(
        &mut self,
        user: User,
        updated_at: DateTime<Utc>,
        expected: Expected,
    ) -> Result<i64, StoreError> {
        let id = user.id.clone();
        let found = self.users.get(&id).map(|u| u.version);
        let version = check("user", id.as_str(), found, expected)?;
        self.users.insert(
            id,
            StoredUser {
                user,
                version,
                updated_at,
            },
        );
        Ok(version)
    }
}
