//! What a 予防接種済証 prints (SPEC §6, H-5): the contents are fixed
//! nationally; this is every value, resolved, that a renderer lays out.

use chrono::NaiveDate;

use super::{CertificateError, CertificateForm, TravelDetails};
use crate::calendar::{CalendarError, WarekiDate};

/// One vaccination as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertifiedVaccination {
    /// The disease or vaccine as people read it (「麻しん風しん混合」).
    pub vaccine: String,
    /// 接種回.
    pub dose_number: u8,
    /// 接種年月日.
    pub date: NaiveDate,
    /// ロット番号.
    pub lot: Option<String>,
    /// 接種医療機関.
    pub institution: Option<String>,
}

/// Everything one certificate prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateDocument {
    /// 様式第一号 … 第三号.
    pub form: CertificateForm,
    /// 証明書番号.
    pub certificate_number: String,
    /// 発行年月日.
    pub issue_date: NaiveDate,
    /// The issuing municipality (「千代田区」).
    pub municipality: String,
    /// Its head, as signed (「千代田区長　樋口　高顕」).
    pub head: String,
    /// 氏名 (prefilled from the person, or the name given at the counter).
    pub name: String,
    /// ふりがな.
    pub name_kana: String,
    /// 生年月日.
    pub birth_date: NaiveDate,
    /// The vaccinations certified.
    pub vaccinations: Vec<CertifiedVaccination>,
    /// Form 3 only: passport number, nationality, name in Roman letters.
    pub travel: Option<TravelDetails>,
}

impl CertificateDocument {
    /// Checks that the document can be printed: at least one vaccination,
    /// travel details exactly on form 3, every date expressible in 和暦.
    pub fn check(&self) -> Result<(), crate::Error> {
        if self.vaccinations.is_empty() {
            return Err(CertificateError::NothingToCertify.into());
        }
        // Travel details print on form 3 only, which needs them.
        if self.form == CertificateForm::Form3 && self.travel.is_none() {
            return Err(CertificateError::TravelDetailsRequired {
                missing: "the passport number, nationality and name in Roman letters",
            }
            .into());
        }
        for d in self.dates() {
            wareki(d)?;
        }
        Ok(())
    }

    fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        [self.issue_date, self.birth_date]
            .into_iter()
            .chain(self.vaccinations.iter().map(|v| v.date))
    }
}

/// A date in 和暦 (「令和7年4月1日」).
pub fn wareki(date: NaiveDate) -> Result<String, CalendarError> {
    WarekiDate::from_date(date).map(|w| w.to_string())
}
