//! The declared masters (SPEC §9, seed H-8 screens H_081-001…028). Each is
//! one constant; [`ALL`] lists them for lookup by name.
//!
//! This first catalogue holds the masters the certificates and the GS1
//! vial label need (diseases, vaccine types, GTIN codes, institutions) and
//! one municipality-owned master (the municipal vaccination settings) with
//! flags and yen. Their columns are what the SPEC and the issue name for
//! them; the remaining masters of H-8 join as declarations here.

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

/// Every declared master.
pub const ALL: &[&MasterKind] = &[
    &DISEASES,
    &VACCINE_TYPES,
    &GTIN_CODES,
    &INSTITUTIONS,
    &MUNICIPAL_VACCINATION_SETTINGS,
];
