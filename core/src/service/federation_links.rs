//! Federation links (口座情報紐付け, H-10, screen H_101-001): a federation
//! links each financial-institution code to one of its own accounts (in
//! 連合会口座マスタ), used when it pays institutions that bank there. Every
//! change is version-checked; the account a payment uses is one query.

use crate::authz::{Operation, Relation};
use crate::bank_account::{AccountUsage, BankAccountError};
use crate::calendar::jst_date;
use crate::identifiers::{BankCode, BranchCode, IdentifierError};
use crate::masters::catalog::FEDERATION_ACCOUNTS;
use crate::masters::MasterRow;
use crate::store::{ActiveAccount, ChangeSet, Expected, FederationLink, Write};
use crate::zengin::ZenginMatch;
use crate::Error;

use super::{Actor, Sesshu};

/// What a payment to an institution uses: the institution's active account
/// for the usage, the federation's link for that account's bank, and the
/// federation's account the link names (連合会口座マスタ's row).
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentAccount {
    /// The institution's active account.
    pub institution_account: ActiveAccount,
    /// The federation's link for its bank.
    pub link: FederationLink,
    /// The federation's account (its row today, if the master has one).
    pub federation_account: Option<MasterRow>,
}

impl Sesshu {
    fn federation_account(
        &self,
        federation: &str,
        account: &str,
    ) -> Result<Option<MasterRow>, Error> {
        let key = format!("{federation}\u{1f}{account}");
        let today = jst_date(self.now());
        Ok(self
            .store
            .master_versions(&FEDERATION_ACCOUNTS, &key)?
            .into_iter()
            .find(|r| r.valid_on(today)))
    }

    /// Checks a link's bank (in the zengin master) and account (the
    /// federation's, in 連合会口座マスタ today).
    fn checked_link(
        &self,
        actor: &Actor,
        bank: &str,
        account: &str,
        expected: Expected,
    ) -> Result<FederationLink, Error> {
        let bank = BankCode::parse(bank)?;
        let any_branch = BranchCode::parse("000")?;
        if self.store.zengin_match(&bank, &any_branch)? == ZenginMatch::UnknownBank {
            return Err(IdentifierError::UnknownBankCode {
                bank: bank.to_string(),
            }
            .into());
        }
        let account = account.trim();
        if self
            .federation_account(actor.organisation.as_str(), account)?
            .is_none()
        {
            return Err(BankAccountError::UnknownFederationAccount {
                federation: actor.organisation.to_string(),
                account: account.to_owned(),
            }
            .into());
        }
        self.guard(actor, Operation::ManageFederationLinks, Relation::Own)?;
        Ok(FederationLink {
            federation: actor.organisation.clone(),
            bank,
            account: account.to_owned(),
            updated_at: self.now(),
            updated_by: actor.log_name(),
            version: expected.next(),
        })
    }

    fn put_link(&self, link: FederationLink, expected: Expected) -> Result<FederationLink, Error> {
        self.store.commit(ChangeSet {
            writes: vec![Write::PutFederationLink {
                link: link.clone(),
                expected,
            }],
            log: Vec::new(),
        })?;
        Ok(link)
    }

    /// The actor's federation's links, by bank code.
    pub fn federation_links(&self, actor: &Actor) -> Result<Vec<FederationLink>, Error> {
        self.guard(actor, Operation::ManageFederationLinks, Relation::Own)?;
        Ok(self.store.federation_links(&actor.organisation)?)
    }

    /// Links `bank` to the federation's `account` (新規追加): a link already
    /// there for the bank is a conflict (change it instead).
    pub fn add_federation_link(
        &self,
        actor: &Actor,
        bank: &str,
        account: &str,
    ) -> Result<FederationLink, Error> {
        let link = self.checked_link(actor, bank, account, Expected::Absent)?;
        self.put_link(link, Expected::Absent)
    }

    /// Changes `bank`'s link to `account` (変更), from the `version` read.
    pub fn change_federation_link(
        &self,
        actor: &Actor,
        bank: &str,
        account: &str,
        version: i64,
    ) -> Result<FederationLink, Error> {
        let expected = Expected::Version(version);
        let link = self.checked_link(actor, bank, account, expected)?;
        self.put_link(link, expected)
    }

    /// Deletes `bank`'s link (削除), from the `version` read.
    pub fn delete_federation_link(
        &self,
        actor: &Actor,
        bank: &str,
        version: i64,
    ) -> Result<(), Error> {
        let bank = BankCode::parse(bank)?;
        self.guard(actor, Operation::ManageFederationLinks, Relation::Own)?;
        self.store.commit(ChangeSet {
            writes: vec![Write::DeleteFederationLink {
                federation: actor.organisation.clone(),
                bank,
                expected: Expected::Version(version),
            }],
            log: Vec::new(),
        })?;
        Ok(())
    }

    /// What a payment by the institution's federation to `institution` for
    /// `usage` uses (one query of the store): none when the institution has
    /// no active account, or the federation no link for its bank.
    pub fn payment_account(
        &self,
        actor: &Actor,
        institution: &str,
        usage: AccountUsage,
    ) -> Result<Option<PaymentAccount>, Error> {
        let party = self.account_institution(institution)?;
        let relation = Relation::own_if(actor.organisation == party.federation);
        self.guard(actor, Operation::ManageFederationLinks, relation)?;
        let Some((institution_account, link)) =
            self.store
                .payment_link(&party.federation, &party.code, usage)?
        else {
            return Ok(None);
        };
        let federation_account =
            self.federation_account(party.federation.as_str(), &link.account)?;
        Ok(Some(PaymentAccount {
            institution_account,
            link,
            federation_account,
        }))
    }
}
