//! Quickstart: validate input, decide who may see and certify a record, and
//! choose a certificate form — the calls an embedding system makes.
//!
//! `cargo run -p sesshu-examples --example quickstart`

use sesshu_core::{
    calendar::{parse_date, WarekiDate},
    certificate::{select_form, TravelDetailsInput},
    identifiers::MunicipalityCode,
    records::{Category, RecordAccess, RecordFacts},
    residency::{ResidencyHistory, ResidencyInterval},
    Error,
};

fn main() -> Result<(), Error> {
    // Input is validated at the boundary; full-width digits are accepted.
    let sapporo = MunicipalityCode::parse("011002")?;
    let chiyoda = MunicipalityCode::parse("１３１０１６")?;

    // Bad input is a typed error with a stable code, never a panic.
    let bad = MunicipalityCode::parse("131017").map_err(Error::from);
    if let Err(e) = &bad {
        println!("refused: {} — {e}", e.code());
    }

    // A person who moved from Sapporo to Chiyoda on 2020-04-01.
    let history = ResidencyHistory::new(vec![
        ResidencyInterval {
            municipality: sapporo,
            from: parse_date("2010-01-01")?,
            to: Some(parse_date("2020-04-01")?),
        },
        ResidencyInterval {
            municipality: chiyoda,
            from: parse_date("2020-04-01")?,
            to: None,
        },
    ])?;
    let given_in_sapporo = RecordFacts {
        responsible: sapporo,
        category: Category::Routine,
        erroneous: false,
    };
    let given_in_chiyoda = RecordFacts {
        responsible: chiyoda,
        category: Category::Temporary,
        erroneous: false,
    };

    let today = parse_date("2025-04-01")?;
    for (who, m) in [("Chiyoda", chiyoda), ("Sapporo", sapporo)] {
        let access = RecordAccess::new(&history, m, today);
        for (what, r) in [
            ("Sapporo record", &given_in_sapporo),
            ("Chiyoda record", &given_in_chiyoda),
        ] {
            let a = access.evaluate(r);
            println!(
                "{who} on {} sees the {what}: visible={} certifiable={}",
                WarekiDate::from_date(today)?,
                a.visible,
                a.certifiable
            );
        }
    }

    // A temporary vaccination: the applicant chooses form 3 for travel.
    let travel = TravelDetailsInput {
        passport_number: "ｔｋ１２３４５６７".into(),
        nationality: "jpn".into(),
        name_roman: " yamada  hanako ".into(),
    };
    let selection = select_form(Category::Temporary, Some(3), Some(&travel))?;
    println!(
        "form: {} with passport {} ({}), name {}",
        selection.form.kanji(),
        selection
            .travel
            .as_ref()
            .map_or("", |t| t.passport_number.as_str()),
        selection
            .travel
            .as_ref()
            .map_or("", |t| t.nationality.as_str()),
        selection
            .travel
            .as_ref()
            .map_or("", |t| t.name_roman.as_str()),
    );
    Ok(())
}
