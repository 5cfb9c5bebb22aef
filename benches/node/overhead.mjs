// Per-call cost of one rule call from Node (compare with the same calls in
// Rust: `cargo bench -p sesshu-benches --bench record_access -- single`).
// Run after building bindings/node: node benches/node/overhead.mjs
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const s = require('../../bindings/node/index.js')

const residency = [{ municipality: '131016', from: '2010-01-01' }]
const facts = [{ responsible: '131016', category: 'routine', erroneous: false }]
for (const [name, f] of [
  ['parse_municipality_code', () => s.parseMunicipalityCode('131016')],
  ['record_access (history + one record)', () => s.recordAccess(residency, '131016', '2025-04-01', facts)]
]) {
  const n = 200_000
  let best = Infinity
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < n; i++) f()
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / n)
  }
  console.log(`node ${name}: ${best.toFixed(0)} ns per call`)
}
