//! Record access (SPEC §3): one person with 10 residency intervals and 100
//! records, evaluated for one municipality.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sesshu_benches::{as_of, municipality, person};
use sesshu_core::records::RecordAccess;

fn record_access(c: &mut Criterion) {
    let (history, records) = person(10, 100);
    let mut group = c.benchmark_group("record_access");
    // One evaluation: the person's standing, then all 100 records.
    group.throughput(Throughput::Elements(1));
    for (label, m) in [("current_resident", 4), ("former_resident", 1)] {
        let m = municipality(m);
        group.bench_function(format!("person_10_intervals_100_records/{label}"), |b| {
            b.iter(|| {
                let access =
                    RecordAccess::new(black_box(&history), black_box(m), black_box(as_of()));
                let mut visible = 0usize;
                let mut certifiable = 0usize;
                for r in black_box(&records) {
                    let a = access.evaluate(r);
                    visible += usize::from(a.visible);
                    certifiable += usize::from(a.certifiable);
                }
                (visible, certifiable)
            })
        });
    }
    group.finish();

    // Single calls, to compare with the same calls from the bindings.
    let mut single = c.benchmark_group("single");
    single.bench_function("parse_municipality_code", |b| {
        b.iter(|| sesshu_core::identifiers::MunicipalityCode::parse(black_box("131016")))
    });
    let access = RecordAccess::new(&history, municipality(1), as_of());
    let facts = sesshu_core::records::RecordFacts {
        responsible: municipality(1),
        category: sesshu_core::records::Category::Routine,
        erroneous: false,
    };
    single.bench_function("record_access_evaluate", |b| {
        b.iter(|| access.evaluate(black_box(&facts)))
    });
    single.finish();
}

criterion_group!(benches, record_access);
criterion_main!(benches);
