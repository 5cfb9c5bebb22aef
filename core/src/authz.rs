//! Authorisation (権限): one table says which role may perform which
//! operation on its own organisation's data or on another organisation's
//! (SPEC §1). Every service operation asks [`allows`] through
//! [`Actor::authorize`] before it reads
//! or writes; a refusal is `not_authorized` and is access-logged.
//!
//! The table is published for people in `docs/authorization.md`; a test
//! reads that page and checks every cell (operation × role × own/other)
//! against [`allows`].

use crate::identifiers::MunicipalityCode;
use crate::macros::named_enum;
use crate::organisation::{OrganisationCode, OrganisationError, OrganisationType, Role};

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
        /// Replace or roll back the zengin code-check master (全銀協コードチェックマスタ).
        ReplaceZengin = "replace_zengin",
        /// Write a master's rows (マスタの登録・更新): the master's owner only
        /// (the service computes own/other from the master's owner).
        WriteMasters = "write_masters",
        /// Receive the daily masters and send their differences (H_087, H_088).
        ExchangeMasters = "exchange_masters",
        /// Apply for a bank account, attach files, delete a pending
        /// application (医療機関口座申請, H-9): the institution's own staff.
        ApplyBankAccounts = "apply_bank_accounts",
        /// Approve or reject an application (承認/否認): the deciding
        /// federation's staff ("own" is the application's federation).
        DecideBankAccounts = "decide_bank_accounts",
        /// Read applications, attachments and active accounts: the
        /// applicant and the deciding federation.
        ReadBankAccounts = "read_bank_accounts",
        /// Register an institution's active account from the national
        /// system (国総口座の初期登録): the operator.
        RegisterNationalAccounts = "register_national_accounts",
        /// Add, change, delete and list the federation's links of bank
        /// codes to its accounts (口座情報紐付け, H-10).
        ManageFederationLinks = "manage_federation_links",
        /// Register, change, cancel and list notices (お知らせ, H-11).
        ManageNotices = "manage_notices",
        /// Send the due notices' e-mails (the dispatch batch).
        DispatchNotices = "dispatch_notices",
        /// Read the notice board (管理者からのお知らせ欄).
        ReadNoticeBoard = "read_notice_board",
        /// Register maternal and child health data, uploaded or received
        /// from a health-management system (母子保健・健診情報, H-7).
        WriteMaternalData = "write_maternal_data",
        /// Read and download maternal and child health data (under the
        /// residency rule of records).
        ReadMaternalData = "read_maternal_data",
        /// Run the marts' daily batch (集計用データマートの更新, H_061).
        BuildMarts = "build_marts",
        /// Read and export the marts' exact figures (BI, H_061: MHLW's own
        /// analysis needs no anonymisation).
        ReadMarts = "read_marts",
        /// Publish the public dashboard and its downloads (H_062), whose
        /// figures are suppressed.
        PublishDashboard = "publish_dashboard",
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

impl Relation {
    /// [`Relation::Own`] when `own`, else [`Relation::Other`].
    pub fn own_if(own: bool) -> Self {
        if own {
            Relation::Own
        } else {
            Relation::Other
        }
    }
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
    (Op::ReplaceZengin, R::Central, Own),
    (Op::WriteMasters, R::Municipality, Own),
    (Op::WriteMasters, R::Doctor, Own),
    (Op::WriteMasters, R::MedicalStaff, Own),
    (Op::WriteMasters, R::Mhlw, Own),
    (Op::WriteMasters, R::Federation, Own),
    (Op::WriteMasters, R::Central, Own),
    (Op::ExchangeMasters, R::Central, Own),
    (Op::ApplyBankAccounts, R::Administrator, Own),
    (Op::ApplyBankAccounts, R::Doctor, Own),
    (Op::ApplyBankAccounts, R::MedicalStaff, Own),
    (Op::DecideBankAccounts, R::Federation, Own),
    (Op::ReadBankAccounts, R::Administrator, Own),
    (Op::ReadBankAccounts, R::Doctor, Own),
    (Op::ReadBankAccounts, R::MedicalStaff, Own),
    (Op::ReadBankAccounts, R::Federation, Own),
    (Op::RegisterNationalAccounts, R::Central, Own),
    (Op::ManageFederationLinks, R::Federation, Own),
    (Op::ManageNotices, R::Central, Own),
    (Op::DispatchNotices, R::Central, Own),
    (Op::ReadNoticeBoard, R::Administrator, Own),
    (Op::ReadNoticeBoard, R::Municipality, Own),
    (Op::ReadNoticeBoard, R::Doctor, Own),
    (Op::ReadNoticeBoard, R::MedicalStaff, Own),
    (Op::ReadNoticeBoard, R::ProxyRegistrar, Own),
    (Op::ReadNoticeBoard, R::Mhlw, Own),
    (Op::ReadNoticeBoard, R::Federation, Own),
    (Op::ReadNoticeBoard, R::Central, Own),
    (Op::WriteMaternalData, R::Municipality, Own),
    (Op::ReadMaternalData, R::Municipality, Own),
    (Op::BuildMarts, R::Central, Own),
    (Op::ReadMarts, R::Mhlw, Own),
    (Op::ReadMarts, R::Central, Own),
    (Op::PublishDashboard, R::Mhlw, Own),
    (Op::PublishDashboard, R::Central, Own),
];

/// Whether `role` may perform `op` on data of an organisation in `relation`.
pub fn allows(op: Operation, role: Role, relation: Relation) -> bool {
    POLICY
        .iter()
        .any(|&(o, r, rel)| o == op && r == role && rel == relation)
}

/// The refusal of an operation the actor may not perform
/// (`not_authorized`); the services report it as
/// `ServiceError::NotAuthorized`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{actor} may not {action}")]
pub struct Refused {
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
}

impl Refused {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        "not_authorized"
    }
}

/// Who performs an operation: a user (or a system's token) of an
/// organisation, with the roles it holds there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// User id, or the name of the system's access token.
    pub user_id: String,
    /// The organisation's code.
    pub organisation: OrganisationCode,
    /// The organisation's type.
    pub org_type: OrganisationType,
    /// The roles held (a role counts only where the organisation type may
    /// hold it).
    pub roles: Vec<Role>,
    /// Where the request came from, written to the access log beside the
    /// user id (the command: the operating-system user, `os:<name>`).
    pub via: Option<String>,
}

impl Actor {
    /// An actor of an organisation with `roles`.
    pub fn new(
        user_id: &str,
        org_type: OrganisationType,
        organisation: OrganisationCode,
        roles: Vec<Role>,
    ) -> Self {
        Actor {
            user_id: user_id.to_owned(),
            organisation,
            org_type,
            roles,
            via: None,
        }
    }

    /// The same actor, noting where the request came from ([`Actor::via`]).
    pub fn with_via(mut self, via: impl Into<String>) -> Self {
        self.via = Some(via.into());
        self
    }

    /// How the access log names the actor: the user id, and where the
    /// request came from when known (`131016-0001 via os:sato`).
    pub fn log_name(&self) -> String {
        match &self.via {
            Some(via) => format!("{} via {via}", self.user_id),
            None => self.user_id.clone(),
        }
    }

    /// Staff (or the system) of a municipality: the municipality role.
    pub fn municipality(user_id: &str, code: MunicipalityCode) -> Self {
        Actor::new(
            user_id,
            OrganisationType::Municipality,
            code.into(),
            vec![Role::Municipality],
        )
    }

    /// Whether `target` is the actor's own organisation.
    pub fn relation_to(&self, target: &str) -> Relation {
        if target == self.organisation.as_str() {
            Relation::Own
        } else {
            Relation::Other
        }
    }

    /// Whether the actor may perform `op` on data of `target` (`None`: its
    /// own): one of its roles, valid for its organisation type, is allowed
    /// by the policy table ([`allows`]). `not_authorized` when not.
    pub fn authorize(
        &self,
        op: Operation,
        target: Option<&OrganisationCode>,
    ) -> Result<(), Refused> {
        let relation = target.map_or(Relation::Own, |t| self.relation_to(t.as_str()));
        self.authorize_as(op, relation)
    }

    /// [`authorize`](Self::authorize) for a relation already known.
    pub fn authorize_as(&self, op: Operation, relation: Relation) -> Result<(), Refused> {
        let allowed = self
            .roles
            .iter()
            .any(|&r| self.org_type.may_hold(r) && allows(op, r, relation));
        if allowed {
            Ok(())
        } else {
            Err(self.refuse(&format!("{op} ({relation} organisation)")))
        }
    }

    /// The municipality the actor acts for; `not_authorized` for other organisations.
    pub fn acting_municipality(&self, action: &str) -> Result<MunicipalityCode, Refused> {
        match self.org_type {
            OrganisationType::Municipality => {
                MunicipalityCode::parse(self.organisation.as_str()).map_err(|_| self.refuse(action))
            }
            _ => Err(self.refuse(action)),
        }
    }

    /// A `not_authorized` refusal for `action`.
    pub fn refuse(&self, action: &str) -> Refused {
        Refused {
            actor: format!("{} ({} {})", self.user_id, self.org_type, self.organisation),
            action: action.to_owned(),
        }
    }
}
