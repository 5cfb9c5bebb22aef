//! Organisations, roles and which roles an organisation may grant (SPEC §1, H-1-2).

use thiserror::Error;

use crate::macros::named_enum;

/// Why an organisation or role was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum OrganisationError {
    /// Not one of the organisation types.
    #[error("unknown organisation type {value:?}")]
    InvalidOrgType {
        /// The value as given.
        value: String,
    },
    /// Not one of the roles.
    #[error("unknown role {value:?}")]
    InvalidRole {
        /// The value as given.
        value: String,
    },
    /// An empty or malformed organisation code.
    #[error("invalid organisation code {value:?}: {reason}")]
    InvalidOrgCode {
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Not one of the operations or relations of the authorisation table.
    #[error("unknown operation {value:?}")]
    InvalidOperation {
        /// The value as given.
        value: String,
    },
    /// The role cannot be held in an organisation of this type.
    #[error("an organisation of type {org_type} cannot grant the role {role}")]
    RoleNotAllowed {
        /// The organisation type.
        org_type: OrganisationType,
        /// The role refused.
        role: Role,
    },
}

impl OrganisationError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            OrganisationError::InvalidOrgType { .. } => "invalid_org_type",
            OrganisationError::InvalidRole { .. } => "invalid_role",
            OrganisationError::InvalidOrgCode { .. } => "invalid_org_code",
            OrganisationError::RoleNotAllowed { .. } => "role_not_allowed",
            OrganisationError::InvalidOperation { .. } => "invalid_operation",
        }
    }
}

named_enum! {
    /// The types of organisation that use the national system.
    pub enum OrganisationType {
        /// 市区町村.
        Municipality = "municipality",
        /// 広域連合: acts for several municipalities.
        WideAreaUnion = "wide_area_union",
        /// 医療機関, including non-insurance institutions (非保険医療機関).
        MedicalInstitution = "medical_institution",
        /// 代理登録機関.
        ProxyRegistrationBody = "proxy_registration_body",
        /// 厚生労働省.
        Mhlw = "mhlw",
        /// 国保連合会 (prefectural federation).
        Federation = "federation",
        /// 国保中央会 (the central association).
        Central = "central",
    }
    unknown: OrganisationError = |v| OrganisationError::InvalidOrgType { value: v.to_owned() };
}

named_enum! {
    /// The roles a user may hold.
    pub enum Role {
        /// 管理者: administers users of their own organisation (any type).
        Administrator = "administrator",
        /// 自治体: municipal staff.
        Municipality = "municipality",
        /// 医師.
        Doctor = "doctor",
        /// 医療機関職員.
        MedicalStaff = "medical_staff",
        /// 代理登録機関 staff.
        ProxyRegistrar = "proxy_registrar",
        /// 厚生労働省 staff.
        Mhlw = "mhlw",
        /// 国保連合会 staff.
        Federation = "federation",
        /// 国保中央会 staff.
        Central = "central",
    }
    unknown: OrganisationError = |v| OrganisationError::InvalidRole { value: v.to_owned() };
}

impl OrganisationType {
    /// Whether a user of this organisation type may hold `role` (SPEC §1 table).
    pub fn may_hold(self, role: Role) -> bool {
        use OrganisationType as O;
        match role {
            Role::Administrator => true,
            Role::Municipality => matches!(self, O::Municipality | O::WideAreaUnion),
            Role::Doctor | Role::MedicalStaff => self == O::MedicalInstitution,
            Role::ProxyRegistrar => self == O::ProxyRegistrationBody,
            Role::Mhlw => self == O::Mhlw,
            Role::Federation => self == O::Federation,
            Role::Central => self == O::Central,
        }
    }

    /// [`may_hold`](Self::may_hold) as a result: `role_not_allowed` when not.
    pub fn check_role(self, role: Role) -> Result<(), OrganisationError> {
        if self.may_hold(role) {
            Ok(())
        } else {
            Err(OrganisationError::RoleNotAllowed {
                org_type: self,
                role,
            })
        }
    }

    /// The roles this organisation type may grant.
    pub fn roles(self) -> impl Iterator<Item = Role> {
        Role::ALL.iter().copied().filter(move |r| self.may_hold(*r))
    }
}

/// An organisation's code as the national system knows it: a local
/// government code, a medical institution code, or an opaque code for MHLW,
/// federations and the central association (e.g. `F13`). Non-empty, no
/// white space or control characters, at most 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct OrganisationCode(String);

impl OrganisationCode {
    /// Validates an organisation code (NFKC, trimmed).
    pub fn parse(input: &str) -> Result<Self, OrganisationError> {
        let s = crate::text::nfkc_trimmed(input);
        let err = |reason| OrganisationError::InvalidOrgCode {
            value: input.to_owned(),
            reason,
        };
        if s.is_empty() {
            return Err(err("empty"));
        }
        if s.chars().count() > 64 {
            return Err(err("longer than 64 characters"));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err("contains white space or a control character"));
        }
        Ok(OrganisationCode(s))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> serde::Deserialize<'de> for OrganisationCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        OrganisationCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for OrganisationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<crate::identifiers::MunicipalityCode> for OrganisationCode {
    fn from(c: crate::identifiers::MunicipalityCode) -> Self {
        OrganisationCode(c.as_str().to_owned())
    }
}

impl From<crate::identifiers::MedicalInstitutionCode> for OrganisationCode {
    fn from(c: crate::identifiers::MedicalInstitutionCode) -> Self {
        OrganisationCode(c.as_str().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_may_hold_administrator_and_exactly_one_other_role_family() {
        for t in OrganisationType::ALL {
            assert!(t.may_hold(Role::Administrator));
            assert!(t.roles().count() >= 2, "{t}");
        }
        assert_eq!(
            OrganisationType::MedicalInstitution
                .check_role(Role::Municipality)
                .map_err(|e| e.code()),
            Err("role_not_allowed")
        );
        assert_eq!(
            Role::parse("superuser").map_err(|e| e.code()),
            Err("invalid_role")
        );
    }
}
