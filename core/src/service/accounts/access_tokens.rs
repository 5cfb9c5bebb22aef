//! Organisation access tokens (H-2): issue, verify, revoke, rotate.

use super::*;

impl Sesshu {
    /// H-2: issues an access token for `organisation`. Its own organisation
    /// for an administrator or municipality staff; municipality staff also
    /// for a medical institution outside the online eligibility network.
    pub fn issue_token(
        &self,
        actor: &Actor,
        org_type: OrganisationType,
        organisation: &OrganisationCode,
        label: &str,
        valid_days: Option<i64>,
    ) -> Result<IssuedToken, Error> {
        self.authorize_token(actor, org_type, organisation)?;
        let now = self.now();
        let (token, stored) = tokens::issue(
            self.rng()?,
            org_type,
            organisation.clone(),
            label,
            &actor.user_id,
            now,
            valid_days.map(tokens::valid_days).transpose()?,
        )?;
        self.store.commit(ChangeSet {
            writes: vec![Write::PutAccessToken {
                token: stored.clone(),
                expected: Expected::Absent,
            }],
            log: Vec::new(),
        })?;
        Ok(IssuedToken { token, stored })
    }

    fn authorize_token(
        &self,
        actor: &Actor,
        org_type: OrganisationType,
        organisation: &OrganisationCode,
    ) -> Result<(), Error> {
        let relation = actor.relation_to(organisation.as_str());
        self.guard(actor, Operation::ManageTokens, relation)?;
        if relation == Relation::Other {
            let connected = self
                .store
                .organisation(organisation)?
                .is_some_and(|o| o.organisation.online_eligibility);
            if org_type != OrganisationType::MedicalInstitution || connected {
                return Err(self.refused(
                    actor,
                    actor.refuse(&format!(
                        "manage the tokens of {organisation} (only institutions outside the online eligibility network)"
                    )),
                ));
            }
        }
        Ok(())
    }

    fn stored_token(&self, id: &str) -> Result<AccessToken, Error> {
        self.store.access_token(id)?.ok_or_else(|| {
            ServiceError::NotFound {
                entity: "access token",
                id: id.to_owned(),
            }
            .into()
        })
    }

    /// Checks a token presented by a system and returns the actor it acts
    /// as (the organisation's staff role; its user id is `token:<id>`), or,
    /// for a session ([`Sesshu::open_session`]), the signed-in user.
    pub fn verify_token(&self, token: &str) -> Result<Actor, Error> {
        let id = tokens::token_id(token).ok_or(TokenError::Invalid)?;
        let Some(row) = self.store.access_token(id)? else {
            return Err(TokenError::Invalid.into());
        };
        tokens::verify(token, &row, self.now())?;
        if let Some(user) = &row.session_of {
            return self.session_actor(user);
        }
        let role = match row.org_type {
            OrganisationType::MedicalInstitution => Role::MedicalStaff,
            _ => Role::Municipality,
        };
        Ok(Actor::new(
            &format!("token:{}", row.id),
            row.org_type,
            row.organisation,
            vec![role],
        ))
    }

    /// Revokes a token at once. Returns whether this call revoked it.
    pub fn revoke_token(&self, actor: &Actor, id: &str) -> Result<bool, Error> {
        let row = self.stored_token(id)?;
        self.authorize_token(actor, row.org_type, &row.organisation)?;
        if row.revoked_at.is_some() {
            return Ok(false);
        }
        let version = row.version;
        self.store.commit(ChangeSet {
            writes: vec![Write::PutAccessToken {
                token: AccessToken {
                    revoked_at: Some(self.now()),
                    ..row
                },
                expected: Expected::Version(version),
            }],
            log: Vec::new(),
        })?;
        Ok(true)
    }

    /// Rotates a token: a new token for the same organisation and label;
    /// the old one stays valid for the configured overlap.
    pub fn rotate_token(&self, actor: &Actor, id: &str) -> Result<IssuedToken, Error> {
        let old = self.stored_token(id)?;
        self.authorize_token(actor, old.org_type, &old.organisation)?;
        if old.revoked_at.is_some() {
            return Err(TokenError::Revoked.into());
        }
        let now = self.now();
        let (token, stored) = tokens::issue(
            self.rng()?,
            old.org_type,
            old.organisation.clone(),
            &old.label,
            &actor.user_id,
            now,
            old.expires_at.map(|e| e - old.issued_at),
        )?;
        let until = crate::calendar::hours_after(
            now,
            self.accounts.token_rotation_overlap_hours,
            "token_rotation_overlap_hours",
        )?;
        let retired = tokens::retire(&old, now, until - now);
        self.store.commit(ChangeSet {
            writes: vec![
                Write::PutAccessToken {
                    token: retired,
                    expected: Expected::Version(old.version),
                },
                Write::PutAccessToken {
                    token: stored.clone(),
                    expected: Expected::Absent,
                },
            ],
            log: Vec::new(),
        })?;
        Ok(IssuedToken { token, stored })
    }
}
