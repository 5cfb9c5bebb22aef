//! Certificates (予防接種済証, H-5): issuance at the counter or on the
//! portal, and the issuance register.

use std::collections::BTreeMap;

use chrono::Datelike;

use crate::access_log::{AccessAction, AccessLogDraft};
use crate::authz::{Operation, Relation};
use crate::certificate::document::{CertificateDocument, CertifiedVaccination};
use crate::certificate::issuance::{ApplicantType, Issuance, IssuanceChannel};
use crate::certificate::signature::SignatureError;
use crate::certificate::{select_form, CertificateError, CertificateForm, TravelDetailsInput};
use crate::identifiers::{ManagementId, RecordId};
use crate::persons::Person;
use crate::records::RecordAccess;
use crate::store::{ChangeSet, Write};
use crate::Error;

use super::export::{write_csv, ExportOptions};
use super::{Actor, ServiceError, Sesshu};

/// The reason a PDF reader shows beside the signature.
const SIGNATURE_REASON: &str = "予防接種法による予防接種済証の発行";

/// The issuing municipality as printed: its name and its head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// 「千代田区」.
    pub municipality_name: String,
    /// 「千代田区長　○○　○○」.
    pub head: String,
}

/// A request for a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest {
    /// The person.
    pub person: ManagementId,
    /// The records to certify (all of one form).
    pub records: Vec<RecordId>,
    /// The form asked for (temporary vaccinations: 2 or 3).
    pub form: Option<i64>,
    /// Form 3: passport number, nationality, Roman-letter name.
    pub travel: Option<TravelDetailsInput>,
    /// The name to print instead of the person's (旧姓・別名).
    pub name_override: Option<String>,
    /// Who applied.
    pub applicant: ApplicantType,
    /// The letter of delegation was checked (delegates).
    pub delegation_checked: bool,
    /// Counter or portal.
    pub channel: IssuanceChannel,
    /// The issuing municipality as printed.
    pub issuer: Issuer,
}

/// A certificate request as text, the way counter forms, the command line
/// and the language bindings carry it; [`parse`](Self::parse) makes the
/// typed [`CertificateRequest`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificateRequestText {
    /// 予防接種管理番号.
    pub management_id: String,
    /// The records to certify.
    pub records: Vec<String>,
    /// The form asked for (temporary vaccinations: 2 or 3).
    pub form: Option<i64>,
    /// Form 3: passport number.
    pub passport_number: Option<String>,
    /// Form 3: nationality (ISO 3166-1 alpha-3).
    pub nationality: Option<String>,
    /// Form 3: the name in Roman letters.
    pub name_roman: Option<String>,
    /// The name to print instead of the person's (旧姓・別名).
    pub name: Option<String>,
    /// `subject` (when absent), `household` or `delegate`.
    pub applicant: Option<String>,
    /// The letter of delegation was checked.
    pub delegation_checked: bool,
    /// `counter` (when absent) or `portal`.
    pub channel: Option<String>,
    /// The issuing municipality as printed.
    pub municipality_name: String,
    /// Its head as printed.
    pub head: String,
}

impl CertificateRequestText {
    /// The typed request. Travel details are given when any of the three
    /// is (form 3 then checks that all are there).
    pub fn parse(&self) -> Result<CertificateRequest, Error> {
        let travel = (self.passport_number.is_some()
            || self.nationality.is_some()
            || self.name_roman.is_some())
        .then(|| TravelDetailsInput {
            passport_number: self.passport_number.clone().unwrap_or_default(),
            nationality: self.nationality.clone().unwrap_or_default(),
            name_roman: self.name_roman.clone().unwrap_or_default(),
        });
        Ok(CertificateRequest {
            person: ManagementId::parse(&self.management_id)?,
            records: self
                .records
                .iter()
                .map(|r| RecordId::parse(r))
                .collect::<Result<_, _>>()?,
            form: self.form,
            travel,
            name_override: self.name.clone(),
            applicant: ApplicantType::parse(self.applicant.as_deref().unwrap_or("subject"))?,
            delegation_checked: self.delegation_checked,
            channel: IssuanceChannel::parse(self.channel.as_deref().unwrap_or("counter"))?,
            issuer: Issuer {
                municipality_name: self.municipality_name.clone(),
                head: self.head.clone(),
            },
        })
    }
}

/// An issued certificate: the register entry and the PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCertificate {
    /// What the register holds.
    pub issuance: Issuance,
    /// The PDF.
    pub pdf: Vec<u8>,
}

/// The columns of the issuance register (証明書発行履歴) as listed and
/// downloaded, in order.
pub const ISSUANCE_COLUMNS: [&str; 13] = [
    "certificate_number",
    "issue_date",
    "management_id",
    "records",
    "form",
    "channel",
    "applicant",
    "delegation_checked",
    "name_override",
    "passport_number",
    "nationality",
    "name_roman",
    "signed_by",
];

/// One entry of the register as text, in the order of `ISSUANCE_COLUMNS`.
pub fn issuance_row(i: &Issuance) -> [String; 13] {
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    [
        i.certificate_number.clone(),
        i.issue_date.to_string(),
        i.person.to_string(),
        i.records
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" "),
        i.form.to_string(),
        i.channel.to_string(),
        i.applicant.to_string(),
        i.delegation_checked.to_string(),
        opt(&i.name_override),
        opt(&i.passport_number),
        opt(&i.nationality),
        opt(&i.name_roman),
        opt(&i.signed_by),
    ]
}

impl Sesshu {
    /// Issues a certificate of the municipality's certifiable records of a
    /// person (SPEC §3, §6): one form for all the records, the register
    /// entry and its access-log entry committed together.
    pub fn issue_certificate(
        &self,
        actor: &Actor,
        request: &CertificateRequest,
    ) -> Result<IssuedCertificate, Error> {
        self.issue_certificate_to(actor, request, |_| Ok(()))
    }

    /// [`Sesshu::issue_certificate`], handing the finished PDF to `deliver`
    /// (write it to its file, send it) *before* the register entry is
    /// committed: when `deliver` fails, nothing is registered and no number
    /// is used (`certificate_not_delivered`, with `deliver`'s reason).
    pub fn issue_certificate_to(
        &self,
        actor: &Actor,
        request: &CertificateRequest,
        deliver: impl FnOnce(&[u8]) -> Result<(), String>,
    ) -> Result<IssuedCertificate, Error> {
        self.guard(actor, Operation::IssueCertificates, Relation::Own)?;
        let m = actor.acting_municipality("issue certificates")?;
        if request.applicant == ApplicantType::Delegate && !request.delegation_checked {
            return Err(CertificateError::DelegationNotChecked.into());
        }
        if request.records.is_empty() {
            return Err(CertificateError::NothingToCertify.into());
        }
        if request.channel == IssuanceChannel::Portal && self.signer.is_none() {
            return Err(CertificateError::from(SignatureError::SignerRequired).into());
        }
        let today = self.clock.today_jst();
        let not_found = |entity: &'static str, id: String| ServiceError::NotFound { entity, id };
        let scope = |p: &Person| RecordAccess::new(&p.residency, m, today).scope();
        let (person, records) = self
            .store
            .person_with_records(&request.person, &scope)?
            .ok_or_else(|| not_found("person", request.person.to_string()))?;
        let access = RecordAccess::new(&person.person.residency, m, today);
        let mut selected = Vec::with_capacity(request.records.len());
        let mut form: Option<(CertificateForm, _)> = None;
        for id in &request.records {
            let r = records
                .iter()
                .find(|r| r.record.id == *id && access.is_certifiable(&r.record.facts()))
                .ok_or_else(|| not_found("certifiable record", id.to_string()))?;
            let selection = select_form(r.record.category, request.form, request.travel.as_ref())?;
            match &form {
                Some((f, _)) if *f != selection.form => {
                    return Err(CertificateError::MixedForms {
                        first: f.number(),
                        second: selection.form.number(),
                    }
                    .into())
                }
                Some(_) => {}
                None => form = Some((selection.form, selection.travel)),
            }
            selected.push(&r.record);
        }
        let Some((form, travel)) = form else {
            return Err(CertificateError::NothingToCertify.into());
        };
        let number = format!(
            "{m}-{}-{:06}",
            today.year(),
            self.store.issuance_count(m, today.year())? + 1
        );
        let name = request
            .name_override
            .clone()
            .unwrap_or_else(|| person.person.name.clone());
        let doc = CertificateDocument {
            form,
            certificate_number: number.clone(),
            issue_date: today,
            municipality: request.issuer.municipality_name.clone(),
            head: request.issuer.head.clone(),
            name,
            name_kana: person.person.name_kana.clone(),
            birth_date: person.person.birth_date,
            vaccinations: selected
                .iter()
                .map(|r| {
                    Ok(CertifiedVaccination {
                        vaccine: self.vaccine_name(r.vaccine.as_str(), r.date, form)?,
                        dose_number: r.dose_number,
                        date: r.date,
                        lot: r.lot.clone(),
                        institution: r
                            .institution
                            .map(|i| self.institution_name(i.as_str(), r.date))
                            .transpose()?,
                    })
                })
                .collect::<Result<_, Error>>()?,
            travel: travel.clone(),
        };
        let now = self.now();
        let mut pdf = crate::certificate::pdf::render(&doc)?;
        if let Some(signer) = &self.signer {
            pdf = signer
                .sign(&pdf, now, SIGNATURE_REASON)
                .map_err(CertificateError::from)?;
        }
        let issuance = Issuance {
            certificate_number: number,
            municipality: m,
            person: request.person.clone(),
            records: request.records.clone(),
            form: form.number(),
            channel: request.channel,
            applicant: request.applicant,
            delegation_checked: request.delegation_checked,
            name_override: request.name_override.clone(),
            passport_number: travel
                .as_ref()
                .map(|t| t.passport_number.as_str().to_owned()),
            nationality: travel.as_ref().map(|t| t.nationality.as_str().to_owned()),
            name_roman: travel.as_ref().map(|t| t.name_roman.as_str().to_owned()),
            issue_date: today,
            issued_at: now,
            issued_by: actor.user_id.clone(),
            signed_by: self.signer.as_ref().map(|s| s.subject().to_owned()),
        };
        deliver(&pdf).map_err(|reason| CertificateError::NotDelivered { reason })?;
        self.store.commit(ChangeSet {
            writes: vec![Write::PutIssuance {
                issuance: Box::new(issuance.clone()),
            }],
            log: vec![AccessLogDraft {
                at: now,
                actor: actor.log_name(),
                organisation: actor.organisation.to_string(),
                action: AccessAction::IssueCertificate,
                subject: Some(request.person.clone()),
                record_ids: request.records.clone(),
            }],
        })?;
        Ok(IssuedCertificate { issuance, pdf })
    }

    /// The municipality's issuance register (H-5-4), by certificate number
    /// after `after`, optionally of one person; each person read is logged.
    pub fn list_issuances(
        &self,
        actor: &Actor,
        person: Option<&ManagementId>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Issuance>, Error> {
        self.guard(actor, Operation::IssueCertificates, Relation::Own)?;
        let m = actor.acting_municipality("read the issuance register")?;
        let found = self
            .store
            .issuances(m, person, after, limit.clamp(1, 10_000))?;
        let mut people: BTreeMap<ManagementId, Vec<RecordId>> = BTreeMap::new();
        for i in &found {
            people
                .entry(i.person.clone())
                .or_default()
                .extend(i.records.iter().cloned());
        }
        let now = self.now();
        let log = people
            .into_iter()
            .map(|(p, ids)| AccessLogDraft {
                at: now,
                actor: actor.log_name(),
                organisation: actor.organisation.to_string(),
                action: AccessAction::ReadIssuances,
                subject: Some(p),
                record_ids: ids,
            })
            .collect::<Vec<_>>();
        if !log.is_empty() {
            self.store.commit(ChangeSet {
                writes: Vec::new(),
                log,
            })?;
        }
        Ok(found)
    }

    /// 発行履歴のダウンロード: the register (or one person's part of it) as
    /// CSV (`ISSUANCE_COLUMNS`; record ids separated by spaces), with the
    /// options of the records download. Read and logged page by page like
    /// [`Sesshu::list_issuances`]. Returns the number of certificates written.
    pub fn export_issuances_csv(
        &self,
        actor: &Actor,
        person: Option<&ManagementId>,
        options: ExportOptions,
        out: &mut dyn std::io::Write,
    ) -> Result<usize, Error> {
        const PAGE: usize = 1_000;
        write_csv(out, &ISSUANCE_COLUMNS, options, |after: Option<&String>| {
            let page = self.list_issuances(actor, person, after.map(String::as_str), PAGE)?;
            let next = (page.len() == PAGE)
                .then(|| page.last().map(|i| i.certificate_number.clone()))
                .flatten();
            Ok((page.iter().map(|i| vec![issuance_row(i)]).collect(), next))
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::{CertificateRequest, Issuer};
    use crate::certificate::issuance::{ApplicantType, IssuanceChannel};
    use crate::conformance::{chiyoda_with_a_record, id, rid, staff, CHIYODA, SAPPORO};

    fn request(records: &[&str]) -> CertificateRequest {
        CertificateRequest {
            person: id("P1"),
            records: records.iter().map(|r| rid(r)).collect(),
            form: None,
            travel: None,
            name_override: None,
            applicant: ApplicantType::Subject,
            delegation_checked: false,
            channel: IssuanceChannel::Counter,
            issuer: Issuer {
                municipality_name: "千代田区".into(),
                head: "千代田区長".into(),
            },
        }
    }

    #[test]
    fn a_certificate_takes_the_next_number_and_is_registered() {
        let s = chiyoda_with_a_record();
        let chiyoda = staff(CHIYODA);
        let first = s.issue_certificate(&chiyoda, &request(&["R1"])).unwrap();
        assert!(first.pdf.starts_with(b"%PDF-1.7"));
        let second = s.issue_certificate(&chiyoda, &request(&["R1"])).unwrap();
        assert_ne!(
            first.issuance.certificate_number,
            second.issuance.certificate_number
        );
        let listed = s.list_issuances(&chiyoda, None, None, 10).unwrap();
        assert_eq!(listed.len(), 2);
        // A certificate that could not be handed over takes no number.
        let refused = s.issue_certificate_to(&chiyoda, &request(&["R1"]), |_| {
            Err("/nowhere/c.pdf: no such directory".to_owned())
        });
        assert_eq!(refused.unwrap_err().code(), "certificate_not_delivered");
        assert_eq!(s.list_issuances(&chiyoda, None, None, 10).unwrap().len(), 2);
    }

    #[test]
    fn only_the_responsible_municipality_certifies_its_records() {
        let s = chiyoda_with_a_record();
        let e = s
            .issue_certificate(&staff(SAPPORO), &request(&["R1"]))
            .unwrap_err();
        // Sapporo, where the person lived before, does not see Chiyoda's record.
        assert_eq!(e.code(), "not_found");
    }
}
