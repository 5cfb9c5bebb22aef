//! The thirteen data sets of H-7 (SPEC §8), each declared once. The items
//! follow the 母子健康手帳 forms of the Maternal and Child Health Act's
//! ordinance (様式第三号), the 乳幼児健康診査 guidance (乳幼児健康診査事業
//! 実践ガイド, 健診票の共通項目), the cervical-cancer screening guideline
//! (がん予防重点健康教育及びがん検診実施のための指針, ベセスダシステム) and
//! the data requirements of the standard specification for municipal
//! health-management systems (健康管理システム標準仕様書, 母子保健); the
//! choices made are in docs/maternal.md.

use super::{Code, DataSet, Item, ItemType};

const fn item(name: &'static str, label: &'static str, ty: ItemType) -> Item {
    Item {
        name,
        label,
        ty,
        unit: None,
        required: false,
    }
}

const fn required(name: &'static str, label: &'static str, ty: ItemType) -> Item {
    Item {
        name,
        label,
        ty,
        unit: None,
        required: true,
    }
}

const fn measure(
    name: &'static str,
    label: &'static str,
    unit: &'static str,
    scale: u32,
    min: i64,
    max: i64,
) -> Item {
    Item {
        name,
        label,
        ty: ItemType::Measure { scale, min, max },
        unit: Some(unit),
        required: false,
    }
}

const fn code(value: &'static str, label: &'static str) -> Code {
    Code { value, label }
}

const DATE: ItemType = ItemType::Date;
const NOTE: ItemType = ItemType::Text { max: 200 };

/// 総合判定 (the check-up's overall finding, as the guidance's common items).
const JUDGMENT: ItemType = ItemType::Code(&[
    code("1", "異常なし"),
    code("2", "既医療"),
    code("3", "要経過観察"),
    code("4", "要精密検査"),
    code("5", "要治療"),
]);

/// 精密検査の結果.
const FOLLOW_UP_RESULT: ItemType = ItemType::Code(&[
    code("1", "異常なし"),
    code("2", "経過観察"),
    code("3", "要治療"),
    code("4", "治療中"),
    code("9", "その他"),
]);

const YES_NO: ItemType = ItemType::Code(&[code("0", "なし"), code("1", "あり")]);

/// 栄養法.
const FEEDING: ItemType =
    ItemType::Code(&[code("1", "母乳"), code("2", "混合"), code("3", "人工乳")]);

/// 尿検査 (定性): numbered, since a field beginning `-` or `+` is taken
/// for a formula by spreadsheets (and neutralised in downloads).
const URINE: ItemType = ItemType::Code(&[
    code("0", "陰性（−）"),
    code("1", "偽陽性（±）"),
    code("2", "陽性（1+）"),
    code("3", "陽性（2+）"),
    code("4", "陽性（3+）"),
]);

const GESTATION_WEEKS: Item = Item {
    name: "gestational_weeks",
    label: "妊娠週数",
    ty: ItemType::Integer { min: 0, max: 45 },
    unit: Some("週"),
    required: false,
};

/// 3〜4か月児健診.
pub const INFANT_3_4M: DataSet = DataSet {
    name: "infant_3_4m",
    label: "3〜4か月児健診",
    interface: "H_071-002_IF",
    template: "H_072-003",
    items: &[
        required("exam_date", "受診日", DATE),
        item(
            "age_days",
            "受診時日齢",
            ItemType::Integer { min: 60, max: 180 },
        ),
        measure("weight_g", "体重", "g", 0, 2_000, 12_000),
        measure("height_cm", "身長", "cm", 1, 450, 800),
        measure("head_cm", "頭囲", "cm", 1, 300, 500),
        measure("chest_cm", "胸囲", "cm", 1, 300, 550),
        item("feeding", "栄養法", FEEDING),
        item("head_control", "首のすわり", YES_NO),
        item("hip_finding", "股関節開排制限", YES_NO),
        required("judgment", "総合判定", JUDGMENT),
        item("note", "備考", NOTE),
    ],
    key: &["exam_date"],
};

/// 1歳6か月児健診.
pub const INFANT_1Y6M: DataSet = DataSet {
    name: "infant_1y6m",
    label: "1歳6か月児健診",
    interface: "H_071-001_IF",
    template: "H_072-002",
    items: &[
        required("exam_date", "受診日", DATE),
        item(
            "age_months",
            "受診時月齢",
            ItemType::Integer { min: 18, max: 24 },
        ),
        measure("weight_kg", "体重", "kg", 2, 500, 2_000),
        measure("height_cm", "身長", "cm", 1, 650, 1_000),
        item("walks_alone", "ひとり歩き", YES_NO),
        item("meaningful_words", "意味のある言葉", YES_NO),
        item(
            "caries_teeth",
            "むし歯の数",
            ItemType::Integer { min: 0, max: 20 },
        ),
        item(
            "caries_risk",
            "むし歯罹患型",
            ItemType::Code(&[
                code("O1", "O1型"),
                code("O2", "O2型"),
                code("A", "A型"),
                code("B", "B型"),
                code("C", "C型"),
            ]),
        ),
        required("judgment", "総合判定", JUDGMENT),
        item("note", "備考", NOTE),
    ],
    key: &["exam_date"],
};

/// 3歳児健診.
pub const CHILD_3Y: DataSet = DataSet {
    name: "child_3y",
    label: "3歳児健診",
    interface: "H_071-003_IF",
    template: "H_072-004",
    items: &[
        required("exam_date", "受診日", DATE),
        item(
            "age_months",
            "受診時月齢",
            ItemType::Integer { min: 36, max: 48 },
        ),
        measure("weight_kg", "体重", "kg", 2, 800, 3_000),
        measure("height_cm", "身長", "cm", 1, 800, 1_200),
        item(
            "vision",
            "視力検査",
            ItemType::Code(&[
                code("1", "異常なし"),
                code("2", "要精密"),
                code("3", "検査不能"),
            ]),
        ),
        item(
            "hearing",
            "聴力検査",
            ItemType::Code(&[
                code("1", "異常なし"),
                code("2", "要精密"),
                code("3", "検査不能"),
            ]),
        ),
        item("urine_protein", "尿蛋白", URINE),
        item(
            "caries_teeth",
            "むし歯の数",
            ItemType::Integer { min: 0, max: 20 },
        ),
        required("judgment", "総合判定", JUDGMENT),
        item("note", "備考", NOTE),
    ],
    key: &["exam_date"],
};

/// 子宮頸がん一次検診 (細胞診の結果はベセスダシステムによる).
pub const CERVICAL_PRIMARY: DataSet = DataSet {
    name: "cervical_primary",
    label: "子宮頸がん一次検診",
    interface: "H_071-004_IF",
    template: "H_072-005",
    items: &[
        required("exam_date", "受診日", DATE),
        required(
            "method",
            "検査方法",
            ItemType::Code(&[
                code("cytology", "細胞診"),
                code("hpv", "HPV検査単独"),
                code("both", "細胞診・HPV併用"),
            ]),
        ),
        item(
            "bethesda",
            "細胞診結果",
            ItemType::Code(&[
                code("NILM", "NILM"),
                code("ASC-US", "ASC-US"),
                code("ASC-H", "ASC-H"),
                code("LSIL", "LSIL"),
                code("HSIL", "HSIL"),
                code("SCC", "SCC"),
                code("AGC", "AGC"),
                code("AIS", "AIS"),
                code("ADENOCA", "Adenocarcinoma"),
                code("OTHER", "その他"),
            ]),
        ),
        item(
            "hpv",
            "HPV検査結果",
            ItemType::Code(&[code("0", "陰性"), code("1", "陽性")]),
        ),
        required(
            "judgment",
            "判定",
            ItemType::Code(&[code("1", "精検不要"), code("2", "要精検")]),
        ),
        item("note", "備考", NOTE),
    ],
    key: &["exam_date"],
};

/// 子宮頸がん精密検査.
pub const CERVICAL_FOLLOW_UP: DataSet = DataSet {
    name: "cervical_follow_up",
    label: "子宮頸がん精密検査",
    interface: "H_071-005_IF",
    template: "H_072-006",
    items: &[
        required("exam_date", "受診日", DATE),
        item(
            "method",
            "検査方法",
            ItemType::Code(&[
                code("colposcopy", "コルポスコピー"),
                code("biopsy", "組織診"),
                code("both", "併用"),
            ]),
        ),
        required(
            "diagnosis",
            "診断",
            ItemType::Code(&[
                code("NORMAL", "異常なし"),
                code("CIN1", "CIN1"),
                code("CIN2", "CIN2"),
                code("CIN3", "CIN3"),
                code("AIS", "AIS"),
                code("CANCER", "浸潤がん"),
                code("OTHER", "その他"),
            ]),
        ),
        item("result", "精密検査の結果", FOLLOW_UP_RESULT),
        item("note", "備考", NOTE),
    ],
    key: &["exam_date"],
};

/// 産婦精密健診 (産婦健康診査の結果、精密健診となったもの).
pub const POSTPARTUM_FOLLOW_UP: DataSet = DataSet {
    name: "postpartum_follow_up",
    label: "産婦精密健診",
    interface: "H_071-006_IF",
    template: "H_072-007",
    items: &[
        required("exam_date", "受診日", DATE),
        item(
            "days_after_birth",
            "産後日数",
            ItemType::Integer { min: 0, max: 365 },
        ),
        item("epds", "EPDS得点", ItemType::Integer { min: 0, max: 30 }),
        item("finding", "所見", NOTE),
        required("result", "精密健診の結果", FOLLOW_UP_RESULT),
    ],
    key: &["exam_date"],
};

/// 出産の状態に係る情報 (母子健康手帳「出産の状態」).
pub const DELIVERY: DataSet = DataSet {
    name: "delivery",
    label: "出産の状態に係る情報",
    interface: "H_071-007_IF",
    template: "H_072-008",
    items: &[
        required("delivery_date", "出産日", DATE),
        GESTATION_WEEKS,
        required(
            "delivery_method",
            "分娩経過",
            ItemType::Code(&[
                code("vaginal", "経腟分娩"),
                code("vacuum", "吸引分娩"),
                code("forceps", "鉗子分娩"),
                code("cesarean", "帝王切開"),
            ]),
        ),
        measure("blood_loss_ml", "出血量", "mL", 0, 0, 10_000),
        item("births", "出生児数", ItemType::Integer { min: 1, max: 5 }),
        item(
            "place",
            "出産場所",
            ItemType::Code(&[
                code("hospital", "病院"),
                code("clinic", "診療所"),
                code("midwife", "助産所"),
                code("home", "自宅"),
                code("other", "その他"),
            ]),
        ),
    ],
    key: &["delivery_date"],
};

/// 出生時状況 (母子健康手帳「出生時の状態」, 出生児ごと).
pub const BIRTH: DataSet = DataSet {
    name: "birth",
    label: "出生時状況",
    interface: "H_071-008_IF",
    template: "H_072-009",
    items: &[
        required("birth_date", "出生日", DATE),
        GESTATION_WEEKS,
        measure("birth_weight_g", "出生時体重", "g", 0, 300, 6_000),
        measure("birth_length_cm", "出生時身長", "cm", 1, 250, 650),
        measure("head_cm", "頭囲", "cm", 1, 200, 450),
        item(
            "apgar_1",
            "アプガースコア（1分）",
            ItemType::Integer { min: 0, max: 10 },
        ),
        item(
            "apgar_5",
            "アプガースコア（5分）",
            ItemType::Integer { min: 0, max: 10 },
        ),
        item("multiple", "多胎", YES_NO),
    ],
    key: &[],
};

/// 新生児聴覚検査.
pub const NEWBORN_HEARING: DataSet = DataSet {
    name: "newborn_hearing",
    label: "新生児聴覚検査",
    interface: "H_071-009_IF",
    template: "H_072-010",
    items: &[
        required("exam_date", "検査日", DATE),
        required(
            "method",
            "検査方法",
            ItemType::Code(&[code("AABR", "自動聴性脳幹反応"), code("OAE", "耳音響放射")]),
        ),
        required(
            "right",
            "右耳",
            ItemType::Code(&[code("pass", "パス"), code("refer", "要再検")]),
        ),
        required(
            "left",
            "左耳",
            ItemType::Code(&[code("pass", "パス"), code("refer", "要再検")]),
        ),
        item(
            "stage",
            "検査区分",
            ItemType::Code(&[code("initial", "初回検査"), code("retest", "確認検査")]),
        ),
    ],
    key: &["exam_date", "method"],
};

/// 妊娠届出情報.
pub const PREGNANCY_NOTIFICATION: DataSet = DataSet {
    name: "pregnancy_notification",
    label: "妊娠届出情報",
    interface: "H_071-010_IF",
    template: "H_072-011",
    items: &[
        required("notified_on", "届出日", DATE),
        item("due_date", "出産予定日", DATE),
        GESTATION_WEEKS,
        item(
            "gravidity",
            "妊娠回数",
            ItemType::Integer { min: 1, max: 20 },
        ),
        item("parity", "出産回数", ItemType::Integer { min: 0, max: 20 }),
        item("multiple", "多胎", YES_NO),
        item("handbook_issued", "母子健康手帳交付", YES_NO),
    ],
    key: &["notified_on"],
};

/// 妊婦健診 (妊婦健康診査, 1回ごと).
pub const PRENATAL_CHECKUP: DataSet = DataSet {
    name: "prenatal_checkup",
    label: "妊婦健診",
    interface: "H_071-011_IF",
    template: "H_072-012",
    items: &[
        required("exam_date", "受診日", DATE),
        item("visit", "受診回数", ItemType::Integer { min: 1, max: 20 }),
        GESTATION_WEEKS,
        measure("weight_kg", "体重", "kg", 1, 300, 1_500),
        item(
            "systolic",
            "血圧（最高）",
            ItemType::Integer { min: 60, max: 250 },
        ),
        item(
            "diastolic",
            "血圧（最低）",
            ItemType::Integer { min: 30, max: 150 },
        ),
        item("urine_protein", "尿蛋白", URINE),
        item("urine_glucose", "尿糖", URINE),
        measure("hemoglobin", "ヘモグロビン", "g/dL", 1, 40, 200),
        required("judgment", "判定", JUDGMENT),
    ],
    key: &["exam_date"],
};

/// 妊婦精健 (妊婦精密健康診査).
pub const PRENATAL_FOLLOW_UP: DataSet = DataSet {
    name: "prenatal_follow_up",
    label: "妊婦精健",
    interface: "H_071-012_IF",
    template: "H_072-013",
    items: &[
        required("exam_date", "受診日", DATE),
        GESTATION_WEEKS,
        item("reason", "精密健診の理由", NOTE),
        item("finding", "所見", NOTE),
        required("result", "精密健診の結果", FOLLOW_UP_RESULT),
    ],
    key: &["exam_date"],
};

/// 乳幼児精密健診 (乳幼児健診で要精密となったものの精密健康診査).
pub const INFANT_FOLLOW_UP: DataSet = DataSet {
    name: "infant_follow_up",
    label: "乳幼児精密健診",
    interface: "H_071-013_IF",
    template: "H_072-014",
    items: &[
        required("exam_date", "受診日", DATE),
        required(
            "referred_from",
            "紹介元の健診",
            ItemType::Code(&[
                code("3_4m", "3〜4か月児健診"),
                code("1y6m", "1歳6か月児健診"),
                code("3y", "3歳児健診"),
                code("other", "その他"),
            ]),
        ),
        item("area", "精密検査の部位・領域", NOTE),
        item("diagnosis", "診断名", NOTE),
        required("result", "精密健診の結果", FOLLOW_UP_RESULT),
    ],
    key: &["exam_date", "referred_from"],
};

/// Every data set, in interface order (H_071-001 … 013).
pub const ALL: &[&DataSet] = &[
    &INFANT_1Y6M,
    &INFANT_3_4M,
    &CHILD_3Y,
    &CERVICAL_PRIMARY,
    &CERVICAL_FOLLOW_UP,
    &POSTPARTUM_FOLLOW_UP,
    &DELIVERY,
    &BIRTH,
    &NEWBORN_HEARING,
    &PREGNANCY_NOTIFICATION,
    &PRENATAL_CHECKUP,
    &PRENATAL_FOLLOW_UP,
    &INFANT_FOLLOW_UP,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirteen_sets_each_named_once_with_their_interfaces_in_order() {
        assert_eq!(ALL.len(), 13);
        for (i, d) in ALL.iter().enumerate() {
            assert_eq!(d.interface, format!("H_071-{:03}_IF", i + 1));
            assert_eq!(d.template, format!("H_072-{:03}", i + 2));
            for k in d.key {
                assert!(d.item(k).is_some(), "{}: key {k}", d.name);
            }
            let mut names: Vec<_> = d.items.iter().map(|i| i.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), d.items.len(), "{}", d.name);
        }
        // A code a spreadsheet would take for a formula could not come back
        // from a download unchanged.
        for d in ALL {
            for i in d.items {
                if let ItemType::Code(codes) = i.ty {
                    for c in codes {
                        assert!(
                            !c.value.starts_with(['=', '+', '-', '@']),
                            "{}.{}",
                            d.name,
                            i.name
                        );
                    }
                }
            }
        }
        let mut names: Vec<_> = ALL.iter().map(|d| d.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 13);
    }
}
