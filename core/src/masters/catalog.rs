//! The declared masters (SPEC §9, seed H-8 screens H_081-001…028). Each is
//! one constant; [`ALL`] lists them for lookup by name.
//!
//! The catalogue holds the masters the certificates and the GS1 vial label
//! need (diseases, vaccine types, GTIN codes, institutions), the vaccination
//! types, one municipality-owned master (the municipal vaccination
//! settings) with flags and yen, and the masters received daily from the
//! collective-contract and online eligibility systems (H_087, owned by the
//! central association's system, which receives them). Their columns are
//! what the SPEC, the seed and the issue name for them, and, for the masters
//! the standard specification details beyond them (recommendation rules,
//! questionnaires, URLs, the federations' records), the columns their
//! screens need; a column the standard adds is a line here.

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

/// 勧奨ルールマスタ: when a municipality recommends a dose (its own rules).
pub const RECOMMENDATION_RULES: MasterKind = MasterKind {
    name: "recommendation_rules",
    label: "勧奨ルールマスタ",
    owner: Owner::Municipality,
    columns: &[
        required("municipality", "市区町村コード", ColumnType::Municipality),
        required(
            "vaccine_type",
            "ワクチン種別コード",
            ColumnType::Key { max: 16 },
        ),
        required("dose", "接種回", ColumnType::Integer { min: 1, max: 20 }),
        required(
            "age_from_months",
            "勧奨開始月齢",
            ColumnType::Integer { min: 0, max: 1_500 },
        ),
        optional(
            "age_to_months",
            "勧奨終了月齢",
            ColumnType::Integer { min: 0, max: 1_500 },
        ),
        optional(
            "interval_days",
            "前回からの間隔（日）",
            ColumnType::Integer {
                min: 0,
                max: 36_500,
            },
        ),
    ],
    key: &["municipality", "vaccine_type", "dose"],
};

/// 標準勧奨ルールマスタ: MHLW's standard rules, which a municipality's own
/// rules refine.
pub const STANDARD_RECOMMENDATION_RULES: MasterKind = MasterKind {
    name: "standard_recommendation_rules",
    label: "標準勧奨ルールマスタ",
    owner: Owner::Mhlw,
    columns: &[
        required(
            "vaccine_type",
            "ワクチン種別コード",
            ColumnType::Key { max: 16 },
        ),
        required("dose", "接種回", ColumnType::Integer { min: 1, max: 20 }),
        required(
            "age_from_months",
            "勧奨開始月齢",
            ColumnType::Integer { min: 0, max: 1_500 },
        ),
        optional(
            "age_to_months",
            "勧奨終了月齢",
            ColumnType::Integer { min: 0, max: 1_500 },
        ),
        optional(
            "interval_days",
            "前回からの間隔（日）",
            ColumnType::Integer {
                min: 0,
                max: 36_500,
            },
        ),
    ],
    key: &["vaccine_type", "dose"],
};

/// 回数マスタ: the doses of each vaccine type (MHLW).
pub const DOSES: MasterKind = MasterKind {
    name: "doses",
    label: "回数マスタ",
    owner: Owner::Mhlw,
    columns: &[
        required(
            "vaccine_type",
            "ワクチン種別コード",
            ColumnType::Key { max: 16 },
        ),
        required("dose", "接種回", ColumnType::Integer { min: 1, max: 20 }),
        required("name", "回数名称", ColumnType::Text { max: 50 }),
    ],
    key: &["vaccine_type", "dose"],
};

/// 予防接種種別グループマスタ: vaccination types grouped (MHLW).
pub const VACCINATION_TYPE_GROUPS: MasterKind = MasterKind {
    name: "vaccination_type_groups",
    label: "予防接種種別グループマスタ",
    owner: Owner::Mhlw,
    columns: &[
        required("group", "グループコード", ColumnType::Key { max: 16 }),
        required(
            "vaccination_type",
            "予防接種種別コード",
            ColumnType::Key { max: 16 },
        ),
        optional("name", "グループ名", ColumnType::Text { max: 100 }),
    ],
    key: &["group", "vaccination_type"],
};

/// グループ除外マスタ: vaccination types excluded from a group (MHLW).
pub const GROUP_EXCLUSIONS: MasterKind = MasterKind {
    name: "group_exclusions",
    label: "グループ除外マスタ",
    owner: Owner::Mhlw,
    columns: &[
        required("group", "グループコード", ColumnType::Key { max: 16 }),
        required(
            "vaccination_type",
            "予防接種種別コード",
            ColumnType::Key { max: 16 },
        ),
    ],
    key: &["group", "vaccination_type"],
};

/// 予診票マスタ: the standard questionnaires (MHLW).
pub const QUESTIONNAIRES: MasterKind = MasterKind {
    name: "questionnaires",
    label: "予診票マスタ",
    owner: Owner::Mhlw,
    columns: &[
        required("code", "予診票コード", ColumnType::Key { max: 16 }),
        required("name", "予診票名", ColumnType::Text { max: 100 }),
        optional(
            "vaccine_type",
            "ワクチン種別コード",
            ColumnType::Key { max: 16 },
        ),
    ],
    key: &["code"],
};

/// 標準予診票項目マスタ: the standard questionnaires' items (MHLW).
pub const STANDARD_QUESTIONNAIRE_ITEMS: MasterKind = MasterKind {
    name: "standard_questionnaire_items",
    label: "標準予診票項目マスタ",
    owner: Owner::Mhlw,
    columns: &[
        required("questionnaire", "予診票コード", ColumnType::Key { max: 16 }),
        required("item", "項目コード", ColumnType::Key { max: 16 }),
        required("text", "質問文", ColumnType::Text { max: 500 }),
        required(
            "answer_type",
            "回答形式",
            ColumnType::Choice(&["yes_no", "choice", "text", "number", "date"]),
        ),
        optional(
            "order",
            "表示順",
            ColumnType::Integer { min: 0, max: 9_999 },
        ),
    ],
    key: &["questionnaire", "item"],
};

/// 標準予診票選択肢マスタ: the standard items' choices (MHLW).
pub const STANDARD_QUESTIONNAIRE_CHOICES: MasterKind = MasterKind {
    name: "standard_questionnaire_choices",
    label: "標準予診票選択肢マスタ",
    owner: Owner::Mhlw,
    columns: &[
        required("questionnaire", "予診票コード", ColumnType::Key { max: 16 }),
        required("item", "項目コード", ColumnType::Key { max: 16 }),
        required("choice", "選択肢コード", ColumnType::Key { max: 16 }),
        required("text", "選択肢", ColumnType::Text { max: 200 }),
    ],
    key: &["questionnaire", "item", "choice"],
};

/// 予診票設定マスタ: which questionnaire a municipality uses for a vaccine type.
pub const QUESTIONNAIRE_SETTINGS: MasterKind = MasterKind {
    name: "questionnaire_settings",
    label: "予診票設定マスタ",
    owner: Owner::Municipality,
    columns: &[
        required("municipality", "市区町村コード", ColumnType::Municipality),
        required(
            "vaccine_type",
            "ワクチン種別コード",
            ColumnType::Key { max: 16 },
        ),
        required("questionnaire", "予診票コード", ColumnType::Key { max: 16 }),
    ],
    key: &["municipality", "vaccine_type"],
};

/// 予診票項目マスタ: a municipality's own questionnaire items.
pub const QUESTIONNAIRE_ITEMS: MasterKind = MasterKind {
    name: "questionnaire_items",
    label: "予診票項目マスタ",
    owner: Owner::Municipality,
    columns: &[
        required("municipality", "市区町村コード", ColumnType::Municipality),
        required("questionnaire", "予診票コード", ColumnType::Key { max: 16 }),
        required("item", "項目コード", ColumnType::Key { max: 16 }),
        required("text", "質問文", ColumnType::Text { max: 500 }),
        required(
            "answer_type",
            "回答形式",
            ColumnType::Choice(&["yes_no", "choice", "text", "number", "date"]),
        ),
        optional(
            "order",
            "表示順",
            ColumnType::Integer { min: 0, max: 9_999 },
        ),
    ],
    key: &["municipality", "questionnaire", "item"],
};

/// 予診票選択肢マスタ: a municipality's own items' choices.
pub const QUESTIONNAIRE_CHOICES: MasterKind = MasterKind {
    name: "questionnaire_choices",
    label: "予診票選択肢マスタ",
    owner: Owner::Municipality,
    columns: &[
        required("municipality", "市区町村コード", ColumnType::Municipality),
        required("questionnaire", "予診票コード", ColumnType::Key { max: 16 }),
        required("item", "項目コード", ColumnType::Key { max: 16 }),
        required("choice", "選択肢コード", ColumnType::Key { max: 16 }),
        required("text", "選択肢", ColumnType::Text { max: 200 }),
    ],
    key: &["municipality", "questionnaire", "item", "choice"],
};

/// 自治体URLマスタ: a municipality's links shown to residents.
pub const MUNICIPAL_URLS: MasterKind = MasterKind {
    name: "municipal_urls",
    label: "自治体URLマスタ",
    owner: Owner::Municipality,
    columns: &[
        required("municipality", "市区町村コード", ColumnType::Municipality),
        required("purpose", "用途", ColumnType::Key { max: 32 }),
        required("url", "URL", ColumnType::Text { max: 2_000 }),
    ],
    key: &["municipality", "purpose"],
};

/// 国URLマスタ: the national links (MHLW).
pub const NATIONAL_URLS: MasterKind = MasterKind {
    name: "national_urls",
    label: "国URLマスタ",
    owner: Owner::Mhlw,
    columns: &[
        required("purpose", "用途", ColumnType::Key { max: 32 }),
        required("url", "URL", ColumnType::Text { max: 2_000 }),
    ],
    key: &["purpose"],
};

/// 勧奨範囲マスタ: the birth dates a municipality's recommendation covers.
pub const RECOMMENDATION_RANGES: MasterKind = MasterKind {
    name: "recommendation_ranges",
    label: "勧奨範囲マスタ",
    owner: Owner::Municipality,
    columns: &[
        required("municipality", "市区町村コード", ColumnType::Municipality),
        required(
            "vaccine_type",
            "ワクチン種別コード",
            ColumnType::Key { max: 16 },
        ),
        required("born_from", "対象生年月日（から）", ColumnType::Date),
        optional("born_to", "対象生年月日（まで）", ColumnType::Date),
    ],
    key: &["municipality", "vaccine_type"],
};

/// 管理情報例外マスタ: a municipality's exceptions to the management rules.
pub const MANAGEMENT_EXCEPTIONS: MasterKind = MasterKind {
    name: "management_exceptions",
    label: "管理情報例外マスタ",
    owner: Owner::Municipality,
    columns: &[
        required("municipality", "市区町村コード", ColumnType::Municipality),
        required(
            "vaccine_type",
            "ワクチン種別コード",
            ColumnType::Key { max: 16 },
        ),
        required("exception", "例外区分", ColumnType::Key { max: 32 }),
        optional("note", "備考", ColumnType::Text { max: 500 }),
    ],
    key: &["municipality", "vaccine_type", "exception"],
};

/// 連合会情報マスタ: a federation's own information.
pub const FEDERATIONS: MasterKind = MasterKind {
    name: "federations",
    label: "連合会情報マスタ",
    owner: Owner::Federation,
    columns: &[
        required("federation", "連合会コード", ColumnType::Key { max: 64 }),
        required("name", "連合会名", ColumnType::Text { max: 100 }),
        optional("prefecture", "都道府県", ColumnType::Digits { len: 2 }),
        // Where the account decisions (H-9) are notified.
        optional(
            "email",
            "連絡先メールアドレス",
            ColumnType::Text { max: 254 },
        ),
    ],
    key: &["federation"],
};

/// 連合会口座マスタ: a federation's bank accounts.
pub const FEDERATION_ACCOUNTS: MasterKind = MasterKind {
    name: "federation_accounts",
    label: "連合会口座マスタ",
    owner: Owner::Federation,
    columns: &[
        required("federation", "連合会コード", ColumnType::Key { max: 64 }),
        required("account", "口座番号（管理用）", ColumnType::Key { max: 16 }),
        required("bank", "金融機関コード", ColumnType::Digits { len: 4 }),
        required("branch", "支店コード", ColumnType::Digits { len: 3 }),
        required(
            "deposit_type",
            "預金種目",
            ColumnType::Choice(&["ordinary", "current", "savings"]),
        ),
        required("number", "口座番号", ColumnType::Digits { len: 7 }),
        required("holder", "口座名義", ColumnType::Text { max: 30 }),
    ],
    key: &["federation", "account"],
};

/// 様式別口座紐付けマスタ: which account each form pays into.
pub const FEDERATION_ACCOUNT_LINKS: MasterKind = MasterKind {
    name: "federation_account_links",
    label: "様式別口座紐付けマスタ",
    owner: Owner::Federation,
    columns: &[
        required("federation", "連合会コード", ColumnType::Key { max: 64 }),
        required("form", "様式", ColumnType::Key { max: 16 }),
        required("account", "口座番号（管理用）", ColumnType::Key { max: 16 }),
    ],
    key: &["federation", "form"],
};

/// 所属医療機関マスタ: a federation's member institutions.
pub const MEMBER_INSTITUTIONS: MasterKind = MasterKind {
    name: "member_institutions",
    label: "所属医療機関マスタ",
    owner: Owner::Federation,
    columns: &[
        required("federation", "連合会コード", ColumnType::Key { max: 64 }),
        required("institution", "医療機関コード", ColumnType::Institution),
    ],
    key: &["federation", "institution"],
};

/// 中央会情報マスタ: the central association's information.
pub const CENTRAL_ASSOCIATION: MasterKind = MasterKind {
    name: "central_association",
    label: "中央会情報マスタ",
    owner: Owner::Central,
    columns: &[
        required("code", "組織コード", ColumnType::Key { max: 64 }),
        required("name", "名称", ColumnType::Text { max: 100 }),
        optional("contact", "連絡先", ColumnType::Text { max: 200 }),
    ],
    key: &["code"],
};

/// The masters that hold personal data (administrators' names and e-mail
/// addresses): every read of them is access-logged under its actor.
pub const PERSONAL: &[&MasterKind] = &[
    &ADMINISTRATORS,
    &MUNICIPALITIES,
    &WIDE_AREA_UNIONS,
    &INSTITUTIONS,
];

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
    &RECOMMENDATION_RULES,
    &STANDARD_RECOMMENDATION_RULES,
    &DOSES,
    &VACCINATION_TYPE_GROUPS,
    &GROUP_EXCLUSIONS,
    &QUESTIONNAIRES,
    &STANDARD_QUESTIONNAIRE_ITEMS,
    &STANDARD_QUESTIONNAIRE_CHOICES,
    &QUESTIONNAIRE_SETTINGS,
    &QUESTIONNAIRE_ITEMS,
    &QUESTIONNAIRE_CHOICES,
    &MUNICIPAL_URLS,
    &NATIONAL_URLS,
    &RECOMMENDATION_RANGES,
    &MANAGEMENT_EXCEPTIONS,
    &FEDERATIONS,
    &FEDERATION_ACCOUNTS,
    &FEDERATION_ACCOUNT_LINKS,
    &MEMBER_INSTITUTIONS,
    &CENTRAL_ASSOCIATION,
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every declaration is sound: one name each, key columns declared and
    /// required, and a master owned per organisation names its owner in
    /// its key (so an upload can tell whose row it is).
    #[test]
    fn every_declaration_is_sound() {
        for (n, kind) in ALL.iter().enumerate() {
            assert!(
                ALL[..n].iter().all(|k| k.name != kind.name),
                "{} twice",
                kind.name
            );
            assert!(!kind.key.is_empty(), "{}: no key", kind.name);
            for key in kind.key {
                let column = kind.column(key);
                assert!(
                    column.is_some_and(|c| c.required),
                    "{}: key {key}",
                    kind.name
                );
            }
            let whole = matches!(kind.owner, Owner::Mhlw | Owner::Central);
            assert!(
                whole || kind.owner_column().is_some(),
                "{}: its owner is not in its key",
                kind.name
            );
            for c in kind.columns {
                assert!(
                    !["valid_from", "valid_to"].contains(&c.name),
                    "{}",
                    kind.name
                );
            }
        }
    }
}
