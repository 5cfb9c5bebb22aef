//! The in-memory application book the bindings offer: the transitions of
//! [`super`] applied to a set of applications and active accounts.

use super::*;

/// Bank-account applications held in memory: institutions, applications in
/// the order made, active accounts and the notifications sent. Every step
/// goes through the pure transitions above.
#[derive(Debug, Clone, Default)]
pub struct BankAccountBook {
    zengin: ZenginMaster,
    rules: HolderNameRules,
    institutions: BTreeMap<MedicalInstitutionCode, OrganisationCode>,
    applications: Vec<Application>,
    active: BTreeMap<(MedicalInstitutionCode, AccountUsage), BankAccount>,
    notifications: Vec<Notification>,
}

impl BankAccountBook {
    /// An empty book checking accounts against `zengin`.
    pub fn new(zengin: ZenginMaster, rules: HolderNameRules) -> Self {
        BankAccountBook {
            zengin,
            rules,
            ..Self::default()
        }
    }

    /// Registers an institution and its federation.
    pub fn add_institution(&mut self, code: MedicalInstitutionCode, federation: OrganisationCode) {
        self.institutions.insert(code, federation);
    }

    /// Sets an institution's active account directly (initial load).
    pub fn set_active(
        &mut self,
        institution: MedicalInstitutionCode,
        usage: AccountUsage,
        account: BankAccount,
    ) {
        self.active.insert((institution, usage), account);
    }

    fn institution(&self, code: &str) -> Result<Institution, BankAccountError> {
        let unknown = || BankAccountError::UnknownInstitution {
            code: code.to_owned(),
        };
        let code = MedicalInstitutionCode::parse(code).map_err(|_| unknown())?;
        let federation = self.institutions.get(&code).ok_or_else(unknown)?;
        Ok(Institution {
            code,
            federation: federation.clone(),
        })
    }

    fn position(&self, id: &str) -> Result<usize, BankAccountError> {
        self.applications
            .iter()
            .position(|a| a.id == id)
            .ok_or_else(|| BankAccountError::UnknownApplication { id: id.to_owned() })
    }

    fn record(&mut self, index: Option<usize>, t: Transition) {
        if t.activates {
            self.active.insert(
                (t.application.institution, t.application.usage),
                t.application.account.clone(),
            );
        }
        self.notifications.extend(t.notifications);
        match index {
            Some(i) => self.applications[i] = t.application,
            None => self.applications.push(t.application),
        }
    }

    /// `actor` applies on behalf of `institution` (an institution applies for itself).
    pub fn apply(
        &mut self,
        actor: &OrganisationCode,
        institution: &str,
        request: ApplicationRequest<'_>,
    ) -> Result<(), BankAccountError> {
        let ApplicationRequest { id, usage, .. } = request;
        let institution = self.institution(institution)?;
        if self.applications.iter().any(|a| a.id == id) {
            return Err(BankAccountError::DuplicateApplication { id: id.to_owned() });
        }
        let pending = self.applications.iter().find(|a| {
            a.institution == institution.code
                && a.usage == usage
                && a.status == ApplicationStatus::Pending
        });
        let t = apply(
            &institution,
            actor,
            request,
            pending.map(|a| a.id.as_str()),
            &self.zengin,
            &self.rules,
        )?;
        self.record(None, t);
        Ok(())
    }

    /// The federation approves application `id`.
    pub fn approve(&mut self, actor: &OrganisationCode, id: &str) -> Result<(), BankAccountError> {
        let i = self.position(id)?;
        let app = &self.applications[i];
        let institution = self.institution(app.institution.as_str())?;
        let t = approve(app, &institution, actor)?;
        self.record(Some(i), t);
        Ok(())
    }

    /// The federation rejects application `id`.
    pub fn reject(
        &mut self,
        actor: &OrganisationCode,
        id: &str,
        reason: Option<i64>,
        note: Option<&str>,
    ) -> Result<(), BankAccountError> {
        let i = self.position(id)?;
        let app = &self.applications[i];
        let institution = self.institution(app.institution.as_str())?;
        let t = reject(app, &institution, actor, reason, note)?;
        self.record(Some(i), t);
        Ok(())
    }

    /// The applicant deletes application `id`.
    pub fn delete(&mut self, actor: &OrganisationCode, id: &str) -> Result<(), BankAccountError> {
        let i = self.position(id)?;
        let t = delete(&self.applications[i], actor)?;
        self.record(Some(i), t);
        Ok(())
    }

    /// Applications in the order made.
    pub fn applications(&self) -> &[Application] {
        &self.applications
    }

    /// Active accounts by institution and usage.
    pub fn active(&self) -> &BTreeMap<(MedicalInstitutionCode, AccountUsage), BankAccount> {
        &self.active
    }

    /// Notifications in the order produced.
    pub fn notifications(&self) -> &[Notification] {
        &self.notifications
    }
}
