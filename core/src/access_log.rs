//! The access log (アクセスログ, H-12, SPEC §13): every read or change of
//! personal data appends an entry; the log is append-only and
//! tamper-evident through a SHA-256 hash chain.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::identifiers::{ManagementId, RecordId};
use crate::macros::named_enum;

/// Why an access-log value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccessLogError {
    /// Not a known action.
    #[error("unknown access-log action {value:?}")]
    InvalidAction {
        /// The value as given.
        value: String,
    },
}

impl AccessLogError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            AccessLogError::InvalidAction { .. } => "invalid_action",
        }
    }
}

named_enum! {
    /// What was done to personal data (and to the masters it is read with).
    pub enum AccessAction {
        /// A person's attributes or residency were written.
        WritePerson = "write_person",
        /// A vaccination record was written.
        WriteRecord = "write_record",
        /// Staff read records (query, list, detail).
        ReadRecords = "read_records",
        /// Staff downloaded records as a file.
        ExportRecords = "export_records",
        /// A person read their own records on the portal.
        ReadPortal = "read_portal",
        /// A health-management system pulled a delivery batch.
        DeliverRecords = "deliver_records",
        /// A health-management system acknowledged a delivery batch.
        AcknowledgeDelivery = "acknowledge_delivery",
        /// Questionnaire answers were written.
        WriteQuestionnaire = "write_questionnaire",
        /// Questionnaire answers were read (list or detail).
        ReadQuestionnaire = "read_questionnaire",
        /// Staff downloaded questionnaire answers as a file.
        ExportQuestionnaires = "export_questionnaires",
        /// The access log itself was searched (disclosure requests).
        ReadAccessLog = "read_access_log",
        /// An operation was refused (not authorised).
        Refused = "refused",
        /// A certificate (予防接種済証) was issued.
        IssueCertificate = "issue_certificate",
        /// The issuance register was read.
        ReadIssuances = "read_issuances",
        /// The zengin code-check master was replaced or rolled back.
        ReplaceZengin = "replace_zengin",
        /// Master rows were written (uploaded, received).
        WriteMaster = "write_master",
        /// A master holding personal data was read (viewed, downloaded).
        ReadMaster = "read_master",
        /// A bank-account application was made, decided or deleted, or an
        /// active account registered (H-9).
        WriteBankAccount = "write_bank_account",
        /// Bank-account applications, attachments or active accounts were
        /// read (H-9).
        ReadBankAccount = "read_bank_account",
        /// A notice's e-mails were put in the outbox (H-11): the users'
        /// addresses were read.
        SendNotice = "send_notice",
        /// Maternal and child health data was registered (H-7).
        WriteMaternal = "write_maternal",
        /// Maternal and child health data was read or downloaded (H-7).
        ReadMaternal = "read_maternal",
        /// A step of the marts' daily batch read records to count them
        /// (H_061; counts, no person's data, are written).
        BuildMarts = "build_marts",
        /// The marts' exact figures were read or exported (H_061).
        ReadMarts = "read_marts",
        /// The public dashboard was published from the marts (H_062).
        PublishDashboard = "publish_dashboard",
    }
    unknown: AccessLogError = |v| AccessLogError::InvalidAction { value: v.to_owned() };
}

/// A SHA-256 digest.
pub type Digest32 = [u8; 32];

/// The hash that precedes the first entry.
pub const GENESIS: Digest32 = [0u8; 32];

/// An entry before it is chained (what a service decides to log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLogDraft {
    /// When (UTC, microsecond precision is kept).
    pub at: DateTime<Utc>,
    /// Who: the user id, or the system's token name.
    pub actor: String,
    /// The actor's organisation code.
    pub organisation: String,
    /// What.
    pub action: AccessAction,
    /// Whose data, when it is one person's.
    pub subject: Option<ManagementId>,
    /// Which records.
    pub record_ids: Vec<RecordId>,
}

/// An entry as stored: numbered and chained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLogEntry {
    /// Position in the log, from 1.
    pub seq: i64,
    /// The entry's content.
    pub draft: AccessLogDraft,
    /// The previous entry's hash ([`GENESIS`] for the first).
    pub prev_hash: Digest32,
    /// SHA-256 of this entry's content and `prev_hash`.
    pub hash: Digest32,
}

/// Feeds an entry's hashed bytes to `out`, piece by piece: its
/// length-prefixed fields (seq, time to the microsecond, actor,
/// organisation, action, subject, record ids) and the previous hash.
fn feed_entry(seq: i64, draft: &AccessLogDraft, prev_hash: &Digest32, out: &mut dyn FnMut(&[u8])) {
    fn field(out: &mut dyn FnMut(&[u8]), bytes: &[u8]) {
        out(&(bytes.len() as u64).to_be_bytes());
        out(bytes);
    }
    field(out, &seq.to_be_bytes());
    field(out, crate::calendar::utc_text(draft.at).as_bytes());
    field(out, draft.actor.as_bytes());
    field(out, draft.organisation.as_bytes());
    field(out, draft.action.as_str().as_bytes());
    field(
        out,
        draft.subject.as_ref().map_or("", |s| s.as_str()).as_bytes(),
    );
    out(&(draft.record_ids.len() as u64).to_be_bytes());
    for id in &draft.record_ids {
        field(out, id.as_str().as_bytes());
    }
    out(prev_hash);
}

/// The bytes an entry's hash covers: its length-prefixed fields (seq, time
/// to the microsecond, actor, organisation, action, subject, record ids)
/// and the previous hash.
pub fn entry_bytes(seq: i64, draft: &AccessLogDraft, prev_hash: &Digest32) -> Vec<u8> {
    let mut out = Vec::with_capacity(160 + 16 * draft.record_ids.len());
    feed_entry(seq, draft, prev_hash, &mut |b| out.extend_from_slice(b));
    out
}

/// The hash of an entry: SHA-256 of [`entry_bytes`].
pub fn entry_hash(seq: i64, draft: &AccessLogDraft, prev_hash: &Digest32) -> Digest32 {
    let mut hasher = Sha256::new();
    feed_entry(seq, draft, prev_hash, &mut |b| hasher.update(b));
    hasher.finalize().into()
}

/// Chains a draft after the entry `(prev_seq, prev_hash)`.
pub fn chain(prev_seq: i64, prev_hash: &Digest32, draft: AccessLogDraft) -> AccessLogEntry {
    let seq = prev_seq + 1;
    let hash = entry_hash(seq, &draft, prev_hash);
    AccessLogEntry {
        seq,
        draft,
        prev_hash: *prev_hash,
        hash,
    }
}

/// Chains drafts in order after the log's head (`None`: the log is empty).
/// Returns the entries and the new head `(seq, hash)` to store with them.
pub fn chain_all(
    head: Option<(i64, Digest32)>,
    drafts: Vec<AccessLogDraft>,
) -> (Vec<AccessLogEntry>, (i64, Digest32)) {
    let (mut seq, mut hash) = head.unwrap_or((0, GENESIS));
    let entries = drafts
        .into_iter()
        .map(|draft| {
            let entry = chain(seq, &hash, draft);
            seq = entry.seq;
            hash = entry.hash;
            entry
        })
        .collect();
    (entries, (seq, hash))
}

/// The first entry that does not match the chain, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("access log entry {seq} does not match: {reason}")]
pub struct ChainBreak {
    /// The entry's position.
    pub seq: i64,
    /// What does not match.
    pub reason: &'static str,
}

/// Walks entries in order, carrying the chain across calls so that a long
/// log can be verified page by page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainVerifier {
    seq: i64,
    hash: Digest32,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            seq: 0,
            hash: GENESIS,
        }
    }
}

impl ChainVerifier {
    /// Checks the next entry: consecutive numbering, the previous hash, and
    /// its own hash recomputed from its content.
    pub fn check(&mut self, entry: &AccessLogEntry) -> Result<(), ChainBreak> {
        let fail = |reason| ChainBreak {
            seq: entry.seq,
            reason,
        };
        if entry.seq != self.seq + 1 {
            return Err(fail("not numbered consecutively (an entry is missing)"));
        }
        if entry.prev_hash != self.hash {
            return Err(fail("its previous-hash is not the previous entry's hash"));
        }
        if entry_hash(entry.seq, &entry.draft, &entry.prev_hash) != entry.hash {
            return Err(fail("its content does not match its hash (altered)"));
        }
        self.seq = entry.seq;
        self.hash = entry.hash;
        Ok(())
    }

    /// Entries checked so far.
    pub fn verified(&self) -> i64 {
        self.seq
    }
}

/// Hex text of a digest.
pub fn to_hex(d: &Digest32) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in d {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// A digest from 64 hex characters.
pub fn from_hex(s: &str) -> Option<Digest32> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(b.chunks_exact(2)) {
        *o = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(actor: &str) -> AccessLogDraft {
        AccessLogDraft {
            at: DateTime::from_timestamp(1_700_000_000, 123_456_000).unwrap_or_default(),
            actor: actor.into(),
            organisation: "131016".into(),
            action: AccessAction::ReadRecords,
            subject: ManagementId::parse("P1").ok(),
            record_ids: vec![RecordId::parse("r1").expect("id")],
        }
    }

    /// The hashed layout is what every stored log was chained with: it
    /// must never change. Spelled out field by field, and pinned.
    #[test]
    fn the_hashed_layout_is_fixed() {
        let d = draft("a");
        let prev = [7u8; 32];
        let mut want = Vec::new();
        let mut field = |b: &[u8]| {
            want.extend_from_slice(&(b.len() as u64).to_be_bytes());
            want.extend_from_slice(b);
        };
        field(&5i64.to_be_bytes());
        field(b"2023-11-14T22:13:20.123456Z");
        field(b"a");
        field(b"131016");
        field(b"read_records");
        field(b"P1");
        want.extend_from_slice(&1u64.to_be_bytes());
        want.extend_from_slice(&2u64.to_be_bytes());
        want.extend_from_slice(b"r1");
        want.extend_from_slice(&prev);
        assert_eq!(entry_bytes(5, &d, &prev), want);
        let hash: Digest32 = Sha256::digest(&want).into();
        assert_eq!(entry_hash(5, &d, &prev), hash);
        assert_eq!(
            to_hex(&hash),
            "428c8ff95ebf473a81b9e24a35fac06f4a66c720acd5726d5c9776e86a7fd457"
        );
    }

    #[test]
    fn chain_verifies_and_names_the_altered_entry() {
        let e1 = chain(0, &GENESIS, draft("a"));
        let e2 = chain(e1.seq, &e1.hash, draft("b"));
        let e3 = chain(e2.seq, &e2.hash, draft("c"));
        let mut v = ChainVerifier::default();
        for e in [&e1, &e2, &e3] {
            assert_eq!(v.check(e), Ok(()));
        }
        let mut altered = e2.clone();
        altered.draft.actor = "mallory".into();
        let mut v = ChainVerifier::default();
        assert_eq!(v.check(&e1), Ok(()));
        assert_eq!(v.check(&altered).map_err(|b| b.seq), Err(2));
        let mut v = ChainVerifier::default();
        assert_eq!(v.check(&e1), Ok(()));
        assert_eq!(v.check(&e3).map_err(|b| b.seq), Err(3));
        assert_eq!(from_hex(&to_hex(&e1.hash)), Some(e1.hash));
    }
}
