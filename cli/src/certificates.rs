//! `sesshu certificate issue|list|export` (予防接種済証, H-5).

use std::io::Write;
use std::path::Path;

use sesshu_core::certificate::issuance::Issuance;
use sesshu_core::certificate::signature::Signer;
use sesshu_core::certificate::CertificateError;
use sesshu_core::identifiers::ManagementId;
use sesshu_core::service::{Actor, CertificateRequestText, Sesshu};

use crate::commands::{core, Failure};

/// What `certificate issue` was asked for.
#[derive(Debug, Clone, clap::Args)]
pub struct IssueArgs {
    /// 予防接種管理番号 of the person.
    #[arg(long)]
    pub person: String,
    /// A record to certify (repeat for several).
    #[arg(long = "record", required = true)]
    pub records: Vec<String>,
    /// The form (temporary vaccinations: 2 or 3).
    #[arg(long)]
    pub form: Option<i64>,
    /// Form 3: passport number.
    #[arg(long)]
    pub passport: Option<String>,
    /// Form 3: nationality (ISO 3166-1 alpha-3).
    #[arg(long)]
    pub nationality: Option<String>,
    /// Form 3: the name in Roman letters.
    #[arg(long)]
    pub name_roman: Option<String>,
    /// The name to print instead of the person's (旧姓・別名).
    #[arg(long)]
    pub name: Option<String>,
    /// subject, household or delegate.
    #[arg(long, default_value = "subject")]
    pub applicant: String,
    /// The letter of delegation (委任状) was checked.
    #[arg(long)]
    pub delegation_checked: bool,
    /// counter or portal.
    #[arg(long, default_value = "counter")]
    pub channel: String,
    /// The issuing municipality as printed (「千代田区」).
    #[arg(long)]
    pub municipality_name: String,
    /// Its head as printed (「千代田区長　○○　○○」).
    #[arg(long)]
    pub head: String,
    /// Where to write the PDF.
    #[arg(long)]
    pub out: std::path::PathBuf,
    /// The signing key, PEM (PKCS #8, or PKCS #1 RSA / SEC1 EC); unencrypted.
    /// With `--sign-cert`, the PDF is signed (PAdES); portal issuance needs it.
    #[arg(long, env = "SESSHU_SIGN_KEY", requires = "sign_cert")]
    pub sign_key: Option<std::path::PathBuf>,
    /// The signing certificate, PEM, followed by any intermediates.
    #[arg(long, env = "SESSHU_SIGN_CERT", requires = "sign_key")]
    pub sign_cert: Option<std::path::PathBuf>,
}

/// The signer from `--sign-key` and `--sign-cert`, if given.
fn signer(a: &IssueArgs) -> Result<Option<Signer>, Failure> {
    let (Some(key), Some(cert)) = (&a.sign_key, &a.sign_cert) else {
        return Ok(None);
    };
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let signer =
        Signer::from_pem(&read(key)?, &read(cert)?).map_err(|e| core(CertificateError::from(e)))?;
    Ok(Some(signer))
}

/// Issues a certificate and writes the PDF; prints the certificate number.
pub fn issue(s: &Sesshu, actor: &Actor, a: &IssueArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let request = CertificateRequestText {
        management_id: a.person.clone(),
        records: a.records.clone(),
        form: a.form,
        passport_number: a.passport.clone(),
        nationality: a.nationality.clone(),
        name_roman: a.name_roman.clone(),
        name: a.name.clone(),
        applicant: Some(a.applicant.clone()),
        delegation_checked: a.delegation_checked,
        channel: Some(a.channel.clone()),
        municipality_name: a.municipality_name.clone(),
        head: a.head.clone(),
    }
    .parse()
    .map_err(core)?;
    let issued = match signer(a)? {
        Some(signer) => s.clone().with_certificate_signer(signer),
        None => s.clone(),
    }
    .issue_certificate(actor, &request)
    .map_err(core)?;
    write_file(&a.out, &issued.pdf)?;
    writeln!(
        out,
        "{}\tform {}\t{}",
        issued.issuance.certificate_number,
        issued.issuance.form,
        a.out.display()
    )
    .map_err(|e| e.to_string())
}

/// Writes through a temporary file beside the target, so a failure leaves none.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

const COLUMNS: [&str; 13] = [
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

fn row(i: &Issuance) -> [String; 13] {
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

fn register(s: &Sesshu, actor: &Actor, person: Option<&str>) -> Result<Vec<Issuance>, Failure> {
    let person = person.map(ManagementId::parse).transpose().map_err(core)?;
    let mut all = Vec::new();
    loop {
        let after = all.last().map(|i: &Issuance| i.certificate_number.clone());
        let page = s
            .list_issuances(actor, person.as_ref(), after.as_deref(), 1_000)
            .map_err(core)?;
        let done = page.len() < 1_000;
        all.extend(page);
        if done {
            return Ok(all);
        }
    }
}

/// `certificate list`: the register, tab-separated.
pub fn list(
    s: &Sesshu,
    actor: &Actor,
    person: Option<&str>,
    out: &mut dyn Write,
) -> Result<usize, Failure> {
    let all = register(s, actor, person)?;
    for i in &all {
        writeln!(out, "{}", row(i).join("\t")).map_err(|e| e.to_string())?;
    }
    Ok(all.len())
}

/// `certificate export`: the register as CSV (UTF-8 with BOM).
pub fn export(
    s: &Sesshu,
    actor: &Actor,
    person: Option<&str>,
    path: &Path,
) -> Result<usize, Failure> {
    let all = register(s, actor, person)?;
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    w.write_record(COLUMNS).map_err(|e| e.to_string())?;
    for i in &all {
        w.write_record(row(i)).map_err(|e| e.to_string())?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    write_file(path, &bytes)?;
    Ok(all.len())
}
