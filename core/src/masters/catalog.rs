//! The declared masters (SPEC §9, seed H-8 screens H_081-001…028). Each is
//! one constant; [`ALL`] lists them for lookup by name.
//!
//! The catalogue holds the masters the certificates and the GS1 vial label
//! need (diseases, vaccine types, GTIN codes, institutions), the vaccination
//! types, one municipality-owned master (the municipal vaccination
//! settings) with flags and yen, and the masters received daily from the
//! collective-contract and online eligibility systems (H_087, owned by the
//! central association's system, which receives them). Their columns are
//! what the SPEC, the seed and the issue name for them; the remaining
//! masters of H-8 (recommendation rules, questionnaire settings, URLs, the
//! federations' records) join as declarations here.

use super::{Column, ColumnType, MasterKind, Owner};

const fn required(name: &'static str, label: &'static str, ty: ColumnType) -> Column {
    Column {
        name,
        label,
        ty,
        required: true,
    }
}

const fn optional(name: &'static str, label: &'static str, ty: ColumnType) -> Column {
    Column {
        name,
        label,
        ty,
        required: false,
    }
}

/// 疾病マスタ: the diseases vaccinated against (MHLW).
pub const DISEASES: MasterKind = MasterKind {
    name: "diseases",
    label: "疾病マスタ",
    owner: Owner::Mhlw,
    columns: &[
        required("code", "疾病コード", ColumnType::Key { max: 16 }),
        required("name", "疾病名", ColumnType::Text { max: 100 }),
    ],
    key: &["code"],
};

/// ワクチン種別マスタ: vaccine types, the names a certificate prints for a
/// record's vaccine code (MHLW).
pub const VACCINE_TYPES: MasterKind = MasterKind {
    name: "vaccine_types",
    label: "ワクチン種別マスタ",
    owner: Owner::Mhlw,
    columns: &[
        required("code", "ワクチン種別コード", ColumnType::Key { max: 16 }),
        required("name", "ワクチン種別名", ColumnType::Text { max: 100 }),
        optional(
            "name_en",
            "ワクチン種別名（英字）",
            ColumnType::Text { max: 100 },
        ),
        optional("disease", "疾病コード", ColumnType::Key { max: 16 }),
    ],
    key: &["code"],
};

/// GTINコードマスタ: a vial's GTIN → its vaccine type, product and maker
/// (MHLW), which a scanned GS1 label resolves through.
pub const GTIN_CODES: MasterKind = MasterKind {
    name: "gtin_codes",
    label: "GTINコードマスタ",
    owner: Owner::Mhlw,
    columns: &[
        required("gtin", "GTINコード", ColumnType::Gtin),
        required(
            "vaccine_type",
            "ワクチン種別コード",
            ColumnType::Key { max: 16 },
        ),
        required("product", "製品名", ColumnType::Text { max: 200 }),
        optional("maker", "製造販売業者", ColumnType::Text { max: 200 }),
    ],
    key: &["gtin"],
};

/// 医療機関マスタ: an institution's own record (the institution, or its
/// federation for its members), the name a certificate prints.
pub const INSTITUTIONS: MasterKind = MasterKind {
    name: "institutions",
    label: "医療機関マスタ",
    owner: Owner::Institution,
    columns: &[
        required("code", "医療機関コード", ColumnType::Institution),
        required("name", "医療機関名", ColumnType::Text { max: 200 }),
        optional(
            "name_kana",
            "医療機関名（カナ）",
            ColumnType::Text { max: 200 },
        ),
        optional("municipality", "所在地の市区町村", ColumnType::Municipality),
        optional("online_eligibility", "オンライン資格確認", ColumnType::Flag),
        optional("issuance", "発行区分", ColumnType::Key { max: 32 }),
        optional(
            "admin_email",
            "管理者メールアドレス",
            ColumnType::Text { max: 254 },
        ),
        optional("admin_name", "管理者氏名", ColumnType::Text { max: 100 }),
    ],
    key: &["code"],
};

/// 自治体別予防接種設定マスタ: per municipality and vaccine type, whether
/// it is implemented and the subsidy in yen (the municipality's own).
pub const MUNICIPAL_VACCINATION_SETTINGS: MasterKind = MasterKind {
    name: "municipal_vaccination_settings",
    label: "自治体別予防接種設定マスタ",
    owner: Owner::Municipality,
    columns: &[
        required("municipality", "市区町村コード", ColumnType::Municipality),
        required(
            "vaccine_type",
            "ワクチン種別コード",
            ColumnType::Key { max: 16 },
        ),
        required("implemented", "実施フラグ", ColumnType::Flag),
        optional("subsidy_yen", "助成額（円）", ColumnType::Yen),
        optional(
            "category",
            "定期・任意",
            ColumnType::Choice(&["routine", "voluntary"]),
        ),
    ],
    key: &["municipality", "vaccine_type"],
};

/// 予防接種種別マスタ: the kinds of vaccination (MHLW; bulk upload H_081-018).
pub const VACCINATION_TYPES: MasterKind = MasterKind {
    name: "vaccination_types",
    label: "予防接種種別マスタ",
    owner: Owner::Mhlw,
    columns: &[
        required("code", "予防接種種別コード", ColumnType::Key { max: 16 }),
        required("name", "予防接種種別名", ColumnType::Text { max: 100 }),
        optional(
            "category",
            "定期・臨時・任意",
            ColumnType::Choice(&["routine", "temporary", "voluntary"]),
        ),
    ],
    key: &["code"],
};

/// 自治体別取扱疾病・ワクチン・助成額マスタ: received daily from the
/// collective-contract system (H_087-001); its receipt sets the municipal
/// settings' implemented flags.
pub const MUNICIPAL_DISEASE_VACCINES: MasterKind = MasterKind {
    name: "municipal_disease_vaccines",
    label: "自治体別取扱疾病・ワクチン・助成額マスタ",
    owner: Owner::Central,
    columns: &[
        required("municipality", "市区町村コード", ColumnType::Municipality),
        required("disease", "疾病コード", ColumnType::Key { max: 16 }),
        required(
            "vaccine_type",
            "ワクチン種別コード",
            ColumnType::Key { max: 16 },
        ),
        optional("subsidy_yen", "助成額（円）", ColumnType::Yen),
    ],
    key: &["municipality", "disease", "vaccine_type"],
};

/// 医療機関別取扱疾病・ワクチンマスタ: received daily (H_087-003).
pub const INSTITUTION_DISEASE_VACCINES: MasterKind = MasterKind {
    name: "institution_disease_vaccines",
    label: "医療機関別取扱疾病・ワクチンマスタ",
    owner: Owner::Central,
    columns: &[
        required("institution", "医療機関コード", ColumnType::Institution),
        required("disease", "疾病コード", ColumnType::Key { max: 16 }),
        required(
            "vaccine_type",
            "ワクチン種別コード",
            ColumnType::Key { max: 16 },
        ),
    ],
    key: &["institution", "disease", "vaccine_type"],
};

/// 自治体マスタ: received daily (H_087-005); the first-administrator
/// extraction reads it.
pub const MUNICIPALITIES: MasterKind = MasterKind {
    name: "municipalities",
    label: "自治体マスタ",
    owner: Owner::Central,
    columns: &[
        required("code", "市区町村コード", ColumnType::Municipality),
        required("name", "市区町村名", ColumnType::Text { max: 100 }),
        optional("union", "広域連合コード", ColumnType::Municipality),
        optional("issuance", "発行区分", ColumnType::Key { max: 32 }),
        optional(
            "admin_email",
            "管理者メールアドレス",
            ColumnType::Text { max: 254 },
        ),
        optional("admin_name", "管理者氏名", ColumnType::Text { max: 100 }),
    ],
    key: &["code"],
};

/// 広域連合マスタ: received daily (H_087-006).
pub const WIDE_AREA_UNIONS: MasterKind = MasterKind {
    name: "wide_area_unions",
    label: "広域連合マスタ",
    owner: Owner::Central,
    columns: &[
        required("code", "広域連合コード", ColumnType::Municipality),
        required("name", "広域連合名", ColumnType::Text { max: 100 }),
        optional("issuance", "発行区分", ColumnType::Key { max: 32 }),
        optional(
            "admin_email",
            "管理者メールアドレス",
            ColumnType::Text { max: 254 },
        ),
        optional("admin_name", "管理者氏名", ColumnType::Text { max: 100 }),
    ],
    key: &["code"],
};

/// 契約先自治体マスタ: which municipalities an institution is contracted
/// with (H_087-007).
pub const CONTRACTED_MUNICIPALITIES: MasterKind = MasterKind {
    name: "contracted_municipalities",
    label: "契約先自治体マスタ",
    owner: Owner::Central,
    columns: &[
        required("institution", "医療機関コード", ColumnType::Institution),
        required("municipality", "市区町村コード", ColumnType::Municipality),
    ],
    key: &["institution", "municipality"],
};

/// 管理者マスタ: the administrators of MHLW, the federations and the
/// central association (H_087-008), read by the first-administrator
/// extraction.
pub const ADMINISTRATORS: MasterKind = MasterKind {
    name: "administrators",
    label: "管理者マスタ",
    owner: Owner::Central,
    columns: &[
        required("organisation", "組織コード", ColumnType::Key { max: 64 }),
        required(
            "org_type",
            "組織種別",
            ColumnType::Choice(&["mhlw", "federation", "central"]),
        ),
        required("issuance", "発行区分", ColumnType::Key { max: 32 }),
        optional("email", "メールアドレス", ColumnType::Text { max: 254 }),
        optional("name", "氏名", ColumnType::Text { max: 100 }),
    ],
    key: &["organisation"],
};

/// 委任状（医療機関）マスタ: an institution's letter of delegation and its
/// status (H_087-009).
pub const INSTITUTION_DELEGATIONS: MasterKind = MasterKind {
    name: "institution_delegations",
    label: "委任状（医療機関）マスタ",
    owner: Owner::Central,
    columns: &[
        required("institution", "医療機関コード", ColumnType::Institution),
        required("status", "委任状状況", ColumnType::Key { max: 32 }),
    ],
    key: &["institution"],
};

/// 委任状（自治体）マスタ: a municipality's letter of delegation (H_087-010).
pub const MUNICIPALITY_DELEGATIONS: MasterKind = MasterKind {
    name: "municipality_delegations",
    label: "委任状（自治体）マスタ",
    owner: Owner::Central,
    columns: &[
        required("municipality", "市区町村コード", ColumnType::Municipality),
        required("status", "委任状状況", ColumnType::Key { max: 32 }),
    ],
    key: &["municipality"],
};

/// 医療機関マスタ（オンライン資格確認等システム）: received daily from the
/// online eligibility system (H_087-011) and merged into the institution
/// master ([`INSTITUTIONS`], with its online-eligibility flag set).
pub const ONLINE_ELIGIBILITY_INSTITUTIONS: MasterKind = MasterKind {
    name: "online_eligibility_institutions",
    label: "医療機関マスタ（オンライン資格確認等システム）",
    owner: Owner::Central,
    columns: &[
        required("code", "医療機関コード", ColumnType::Institution),
        required("name", "医療機関名", ColumnType::Text { max: 200 }),
        optional(
            "name_kana",
            "医療機関名（カナ）",
            ColumnType::Text { max: 200 },
        ),
        optional("municipality", "所在地の市区町村", ColumnType::Municipality),
    ],
    key: &["code"],
};

/// Every declared master.
pub const ALL: &[&MasterKind] = &[
    &DISEASES,
    &VACCINE_TYPES,
    &VACCINATION_TYPES,
    &GTIN_CODES,
    &INSTITUTIONS,
    &MUNICIPAL_VACCINATION_SETTINGS,
    &MUNICIPAL_DISEASE_VACCINES,
    &INSTITUTION_DISEASE_VACCINES,
    &MUNICIPALITIES,
    &WIDE_AREA_UNIONS,
    &CONTRACTED_MUNICIPALITIES,
    &ADMINISTRATORS,
    &INSTITUTION_DELEGATIONS,
    &MUNICIPALITY_DELEGATIONS,
    &ONLINE_ELIGIBILITY_INSTITUTIONS,
];
