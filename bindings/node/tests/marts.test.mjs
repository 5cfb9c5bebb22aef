// The marts and the public dashboard (H-6) from JavaScript.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { parquetMetadata, parquetReadObjects } from 'hyparquet'

const require = createRequire(import.meta.url)
const s = require('../index.js')
const NOW = new Date('2025-04-01T03:00:00Z')
const CENTRAL = { userId: 'operator', orgType: 'central', organisation: 'CENTRAL', roles: ['central'] }
const MHLW = { userId: 'analyst', orgType: 'mhlw', organisation: 'MHLW', roles: ['mhlw'] }
const RULES = 'vaccine_type,dose,age_from_months,age_to_months,interval_days,valid_from,valid_to\nMR,1,12,24,,2006-04-01,\n'
const open = () => s.Sesshu.openSqlite(join(mkdtempSync(join(tmpdir(), 'sesshu-marts-')), 'm.db'), NOW)
const code = (p) => p.then(() => 'resolved', (e) => e.code)

async function town (db) {
  let doses = 0
  for (const m of ['131016', '141003']) {
    const persons = []
    const records = []
    for (let n = 0; n < 15; n++) {
      const id = `${m}-${n}`
      const birth = `2023-${String(1 + (n % 12)).padStart(2, '0')}-10`
      persons.push({ managementId: `P${id}`, subjectNumber: `S${id}`, name: '山田 花子', nameKana: 'ヤマダ ハナコ', birthDate: birth, sex: 'female', residency: [{ municipality: m, from: birth }] })
      if (n % 2 === 0) {
        records.push({ id: `R${id}`, managementId: `P${id}`, responsible: m, category: 'routine', vaccine: 'MR', doseNumber: 1, date: `2024-12-${String(1 + n).padStart(2, '0')}` })
      }
    }
    await db.putPersons(m, 'clerk', persons)
    await db.putRecords(m, 'clerk', records)
    doses += records.length
  }
  await db.importMasterCsv(MHLW, 'standard_recommendation_rules', Buffer.from(RULES))
  return doses
}

const key = (c) => [c.mart, c.date, c.municipality, c.vaccine, c.dose, c.ageBand, c.count, c.vaccinated].join('|')

test('the batch counts once, and a full rebuild agrees', async () => {
  const db = open()
  const doses = await town(db)
  assert.equal(await code(db.buildMarts(MHLW, '2025-04-01')), 'not_authorized')
  const r = await db.buildMarts(CENTRAL, '2025-04-01')
  assert.deepEqual([r.records, r.date, r.full, r.resumed], [doses, '2025-04-01', false, false])
  assert.ok(r.targets > 0 && r.vaccinated > 0 && r.vaccinated <= r.targets)
  const again = await db.buildMarts(CENTRAL, '2025-04-01')
  assert.deepEqual([again.records, again.cellsChanged], [0, 0])
  const cells = {}
  for (const m of ['vaccinations', 'questionnaires', 'recommendations']) cells[m] = (await db.martCells(MHLW, m)).map(key)
  assert.equal((await db.martCells(MHLW, 'vaccinations')).reduce((n, c) => n + c.count, 0), doses)
  assert.equal((await db.buildMarts(CENTRAL, '2025-04-01', true)).full, true)
  for (const m of Object.keys(cells)) assert.deepEqual((await db.martCells(MHLW, m)).map(key), cells[m], m)
  assert.throws(() => db.martCells(MHLW, 'doses'), (e) => e.code === 'unknown_mart')
  const exported = await db.exportMarts(MHLW)
  assert.deepEqual(exported.map((f) => f.path), ['vaccinations.csv', 'questionnaires.csv', 'recommendations.csv'])
})

test('the Parquet export holds the CSV rows, as hyparquet reads them', async () => {
  const db = open()
  await town(db)
  await db.buildMarts(CENTRAL, '2025-04-01')
  const csv = Object.fromEntries((await db.exportMarts(MHLW)).map((f) => [f.path, f.content]))
  const files = await db.exportMartsParquet(MHLW)
  assert.deepEqual(files.map((f) => f.path), ['vaccinations.parquet', 'questionnaires.parquet', 'recommendations.parquet'])
  assert.ok(csv['vaccinations.csv'].trim().split('\n').length > 1)
  const text = (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v))
  for (const f of files) {
    assert.ok(Buffer.isBuffer(f.data) && f.data.subarray(0, 4).toString() === 'PAR1')
    const file = f.data.buffer.slice(f.data.byteOffset, f.data.byteOffset + f.data.byteLength)
    const rows = await parquetReadObjects({ file })
    const lines = csv[f.path.replace('.parquet', '.csv')].trim().split('\n')
    assert.deepEqual(parquetMetadata(file).schema.slice(1).map((e) => e.name), lines[0].split(','))
    assert.deepEqual(rows.map((r) => Object.values(r).map(text).join(',')), lines.slice(1))
  }
  const staff = { userId: '131016-0009', orgType: 'municipality', organisation: '131016', roles: ['municipality'] }
  assert.equal(await code(db.exportMartsParquet(staff)), 'not_authorized')
})

test('the dashboard publishes suppressed figures only', async () => {
  const db = open()
  await town(db)
  await db.buildMarts(CENTRAL, '2025-04-01')
  const files = Object.fromEntries((await db.publish(MHLW, '2025-04-01', 10)).map((f) => [f.path, f.content]))
  assert.ok(files['index.html'].includes('<html lang="ja">'))
  assert.ok('data/coverage.csv' in files && 'data/vaccinations-by-year-area-vaccine.ndjson' in files)
  for (const [path, text] of Object.entries(files)) {
    if (!path.endsWith('.csv')) continue
    for (const line of text.trim().split('\n').slice(1)) {
      const n = line.slice(line.lastIndexOf(',') + 1)
      assert.ok(n === 'X' || n === '0' || Number(n) >= 10, `${path}: ${line}`)
    }
  }
})

test('suppression as a function', () => {
  const out = s.protectCounts('area,vaccine,count\n131016,MR,3\n131016,HPV,20\n131041,MR,40\n131041,HPV,50\n', 10)
  assert.ok(out.startsWith('area,vaccine,count\n') && out.includes('131016,MR,X\n') && out.includes('total,total,113\n'))
  assert.throws(() => s.protectCounts('area,vaccine,count\n131016,MR,three\n', 10), (e) => e.code === 'invalid_counts_file' && /row 2, column count/.test(e.message))
})
