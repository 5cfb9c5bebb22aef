//! Registering organisations and users (H-1-1, H-1-2) and the daily first-administrator extraction.

use super::*;

impl Sesshu {
    /// Registers or updates an organisation (its type and whether it is
    /// connected to the online eligibility network). Operators only.
    pub fn register_organisation(
        &self,
        actor: &Actor,
        org_type: OrganisationType,
        code: &OrganisationCode,
        online_eligibility: bool,
    ) -> Result<(), Error> {
        self.guard(actor, Operation::RunAccountBatches, Relation::Own)?;
        let (mut org, expected) = self.organisation_or_new(org_type, code)?;
        org.org_type = org_type;
        org.online_eligibility = online_eligibility;
        self.store.commit(ChangeSet {
            writes: vec![Write::PutOrganisation {
                organisation: org,
                expected,
            }],
            log: Vec::new(),
        })?;
        Ok(())
    }

    /// H-1-2: an administrator creates a user of their own organisation
    /// with a role valid for it. The holder receives the user id, a
    /// temporary password and the activation URL (also queued in the
    /// outbox).
    pub fn create_user(
        &self,
        actor: &Actor,
        email: &EmailAddress,
        name: &str,
        role: Role,
    ) -> Result<IssuedAccount, Error> {
        self.guard(actor, Operation::CreateUsers, Relation::Own)?;
        let (issued, writes) =
            self.plan_user(actor.org_type, &actor.organisation, email, name, role)?;
        self.store.commit(ChangeSet {
            writes,
            log: Vec::new(),
        })?;
        Ok(issued)
    }

    /// The writes that create one user in `organisation` (the
    /// organisation itself first, created if new): what `create_user` and
    /// the first operator's bootstrap commit.
    pub(in crate::service) fn plan_user(
        &self,
        org_type: OrganisationType,
        organisation: &OrganisationCode,
        email: &EmailAddress,
        name: &str,
        role: Role,
    ) -> Result<(IssuedAccount, Vec<Write>), Error> {
        let (mut org, expected) = self.organisation_or_new(org_type, organisation)?;
        let mut writes = Vec::new();
        let issued = self.new_user(
            &mut org,
            email.clone(),
            name,
            role,
            self.accounts.temporary_validity_hours,
            self.now(),
            &mut writes,
        )?;
        writes.insert(
            0,
            Write::PutOrganisation {
                organisation: org,
                expected,
            },
        );
        Ok((issued, writes))
    }

    /// H-1-1: the daily first-administrator batch. Organisations that
    /// already have one are skipped, so a rerun (or a run after a crash)
    /// issues nothing twice; each organisation commits on its own.
    pub fn extract_first_administrators(
        &self,
        actor: &Actor,
        input: &ExtractionInput,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<ExtractionReport, Error> {
        self.guard(actor, Operation::RunAccountBatches, Relation::Own)?;
        let mut codes: Vec<OrganisationCode> = input
            .medical_institutions
            .iter()
            .chain(&input.municipalities)
            .chain(&input.unions)
            .map(|r| r.code.as_str())
            .chain(input.administrators.iter().map(|r| r.org_code.as_str()))
            .filter_map(|c| OrganisationCode::parse(c).ok())
            .collect();
        codes.sort();
        codes.dedup();
        let mut known: std::collections::HashMap<OrganisationCode, StoredOrganisation> = self
            .store
            .organisations(&codes)?
            .into_iter()
            .map(|o| (o.organisation.code.clone(), o))
            .collect();
        let mut input = input.clone();
        input.already_issued.extend(
            known
                .values()
                .filter(|o| o.organisation.first_admin.is_some())
                .map(|o| o.organisation.code.to_string()),
        );
        let extraction = extract_first_administrators(&input);
        let now = self.now();
        let mut report = ExtractionReport {
            issued: Vec::new(),
            rejected: extraction.rejected,
        };
        let total = extraction.issue.len();
        // Commits of 500 organisations: a crash loses at most the open
        // chunk, and the rerun issues exactly what is missing.
        for chunk in extraction.issue.chunks(500) {
            let mut writes = Vec::new();
            let mut issued = Vec::new();
            for admin in chunk {
                let (mut org, expected) = match known.remove(&admin.org_code) {
                    Some(o) => (o.organisation, Expected::Version(o.version)),
                    None => self.organisation_or_new(admin.org_type, &admin.org_code)?,
                };
                let mut user_writes = Vec::new();
                let account = self.new_user(
                    &mut org,
                    admin.email.clone(),
                    &admin.admin_name,
                    Role::Administrator,
                    self.accounts.first_admin_validity_hours,
                    now,
                    &mut user_writes,
                )?;
                org.first_admin = Some(account.user_id.clone());
                writes.push(Write::PutOrganisation {
                    organisation: org,
                    expected,
                });
                writes.extend(user_writes);
                issued.push((admin.org_code.clone(), account.user_id));
            }
            self.store.commit(ChangeSet {
                writes,
                log: Vec::new(),
            })?;
            report.issued.extend(issued);
            progress(report.issued.len(), total);
        }
        Ok(report)
    }
}
