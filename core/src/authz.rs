//! Authorisation (権限): one table says which role may perform which
//! operation on its own organisation's data or on another organisation's
//! (SPEC §1). Every service operation asks [`allows`] through
//! [`Actor::authorize`](crate::service::Actor::authorize) before it reads
//! or writes; a refusal is `not_authorized` and is access-logged.
//!
//! The table is published for people in `docs/authorization.md`; a test
//! reads that page and checks every cell (operation × role × own/other)
//! against [`allows`].

use crate::macros::named_enum;
use crate::organisation::{OrganisationError, Role};

named_enum! {
    /// An operation the services perform.
    pub enum Operation {
        /// Write persons and their residency (住民異動).
        WritePersons = "write_persons",
        /// Write vaccination records (接種記録の登録).
        WriteRecords = "write_records",
        /// Read, search and list records (接種記録の照会).
        ReadRecords = "read_records",
        /// Download records as a file.
        ExportRecords = "export_records",
        /// Pull and acknowledge deliveries to a health-management system (健康管理システム連携).
        ReceiveDeliveries = "receive_deliveries",
        /// Write questionnaire answers (予診票).
        WriteQuestionnaires = "write_questionnaires",
        /// Read questionnaire answers (予診票回答の照会).
        ReadQuestionnaires = "read_questionnaires",
        /// Download questionnaire answers as a file.
        ExportQuestionnaires = "export_questionnaires",
        /// Search the access log (開示請求).
        SearchLog = "search_log",
        /// Verify the access log's hash chain.
        VerifyLog = "verify_log",
        /// Issue certificates and read the issuance register (予防接種済証, H-5).
        IssueCertificates = "issue_certificates",
        /// Create users (アカウント発行).
        CreateUsers = "create_users",
        /// List users and change another user's details, role or state.
        ManageUsers = "manage_users",
        /// Issue, revoke and rotate organisation access tokens (アクセストークン).
        ManageTokens = "manage_tokens",
        /// Run the account batches: first-administrator extraction and inactivity.
        RunAccountBatches = "run_account_batches",
        /// Read and acknowledge the notification outbox.
        DrainOutbox = "drain_outbox",
    }
    unknown: OrganisationError = |v| OrganisationError::InvalidOperation { value: v.to_owned() };
}

named_enum! {
    /// Whose data an operation touches, seen from the actor.
    pub enum Relation {
        /// The actor's own organisation.
        Own = "own",
        /// Another organisation.
        Other = "other",
    }
    unknown: OrganisationError = |v| OrganisationError::InvalidOperation { value: v.to_owned() };
}

use Operation as Op;
use Relation::{Other, Own};
use Role as R;

/// The policy: every (operation, role, relation) that is allowed. Anything
/// not listed is refused.
const POLICY: &[(Operation, Role, Relation)] = &[
    (Op::WritePersons, R::Municipality, Own),
    (Op::WriteRecords, R::Municipality, Own),
    (Op::WriteRecords, R::Doctor, Own),
    (Op::WriteRecords, R::MedicalStaff, Own),
    // 代理登録機関 register for the institutions that delegate to them.
    (Op::WriteRecords, R::ProxyRegistrar, Other),
    (Op::ReadRecords, R::Municipality, Own),
    (Op::ExportRecords, R::Municipality, Own),
    (Op::ReceiveDeliveries, R::Municipality, Own),
    (Op::WriteQuestionnaires, R::Municipality, Own),
    (Op::WriteQuestionnaires, R::Doctor, Own),
    (Op::WriteQuestionnaires, R::MedicalStaff, Own),
    (Op::WriteQuestionnaires, R::ProxyRegistrar, Other),
    (Op::ReadQuestionnaires, R::Municipality, Own),
    (Op::ExportQuestionnaires, R::Municipality, Own),
    (Op::SearchLog, R::Municipality, Own),
    (Op::SearchLog, R::Administrator, Own),
    (Op::VerifyLog, R::Municipality, Own),
    (Op::VerifyLog, R::Administrator, Own),
    (Op::VerifyLog, R::Central, Own),
    (Op::IssueCertificates, R::Municipality, Own),
    (Op::CreateUsers, R::Administrator, Own),
    (Op::ManageUsers, R::Administrator, Own),
    (Op::ManageTokens, R::Administrator, Own),
    (Op::ManageTokens, R::Municipality, Own),
    // Municipality staff issue for institutions outside the online
    // eligibility network (the service checks that the target is one).
    (Op::ManageTokens, R::Municipality, Other),
    (Op::RunAccountBatches, R::Central, Own),
    (Op::DrainOutbox, R::Central, Own),
];

/// Whether `role` may perform `op` on data of an organisation in `relation`.
pub fn allows(op: Operation, role: Role, relation: Relation) -> bool {
    POLICY
        .iter()
        .any(|&(o, r, rel)| o == op && r == role && rel == relation)
}
