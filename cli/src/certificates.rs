//! `sesshu certificate issue|list|export` (予防接種済証, H-5).

use std::io::Write;
use std::path::Path;

use sesshu_core::certificate::signature::Signer;
use sesshu_core::certificate::CertificateError;
use sesshu_core::identifiers::ManagementId;
use sesshu_core::service::{issuance_row, Actor, CertificateRequestText, ExportOptions, Sesshu};

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
    /// Where to write the PDF (created 0600; never through a symbolic link).
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
    // The file is opened before anything is decided and filled before the
    // register entry is committed: a certificate that cannot be written
    // takes no number.
    let mut file = crate::output::Staged::create(&a.out)?;
    let issued = match signer(a)? {
        Some(signer) => s.clone().with_certificate_signer(signer),
        None => s.clone(),
    }
    .issue_certificate_to(actor, &request, |pdf| {
        file.writer()
            .write_all(pdf)
            .map_err(|e| format!("cannot write {}: {e}", a.out.display()))?;
        file.finish()
    })
    .map_err(core)?;
    file.persist()?;
    writeln!(
        out,
        "{}\tform {}\t{}",
        issued.issuance.certificate_number,
        issued.issuance.form,
        a.out.display()
    )
    .map_err(|e| e.to_string())
}

/// `certificate list`: the register, tab-separated, page by page.
pub fn list(
    s: &Sesshu,
    actor: &Actor,
    person: Option<&str>,
    out: &mut dyn Write,
) -> Result<usize, Failure> {
    const PAGE: usize = 1_000;
    let person = person.map(ManagementId::parse).transpose().map_err(core)?;
    let (mut after, mut shown) = (None::<String>, 0);
    loop {
        let page = s
            .list_issuances(actor, person.as_ref(), after.as_deref(), PAGE)
            .map_err(core)?;
        for i in &page {
            writeln!(out, "{}", issuance_row(i).join("\t")).map_err(|e| e.to_string())?;
        }
        shown += page.len();
        match page.last() {
            Some(last) if page.len() == PAGE => after = Some(last.certificate_number.clone()),
            _ => return Ok(shown),
        }
    }
}

/// `certificate export`: the register as CSV (UTF-8 with BOM, or
/// Shift_JIS), to `path` or stdout, like `records export`.
pub fn export(
    s: &Sesshu,
    actor: &Actor,
    person: Option<&str>,
    options: ExportOptions,
    path: Option<&Path>,
) -> Result<usize, Failure> {
    let person = person.map(ManagementId::parse).transpose().map_err(core)?;
    crate::commands::write_file(path, |out| {
        s.export_issuances_csv(actor, person.as_ref(), options, out)
            .map_err(core)
    })
}
