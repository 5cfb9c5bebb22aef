// A vendor's round trip on a SQLite store: persons, records, what a
// municipality may see, CSV, delivery, the access log — all as Promises.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const s = require('../index.js')
const NOW = new Date('2025-04-01T03:00:00Z')
const CHIYODA = '131016'
const SAPPORO = '011002'

const person = (id, name = '山田 花子', kana = 'やまだ はなこ') => ({
  managementId: id, subjectNumber: 'S' + id, name, nameKana: kana, birthDate: '1990-05-01', sex: 'female', pmhKey: 'pmh-' + id,
  residency: [{ municipality: SAPPORO, from: '1990-05-01', to: '2020-04-01' }, { municipality: CHIYODA, from: '2020-04-01' }]
})
const record = (id, pid, m, date, extra = {}) => ({ id, managementId: pid, responsible: m, category: 'routine', vaccine: 'MR', doseNumber: 1, date, ...extra })

test('round trip', async () => {
  const db = s.Sesshu.openSqlite(join(mkdtempSync(join(tmpdir(), 'sesshu-')), 't.db'), NOW)
  assert.deepEqual(await db.putPersons(CHIYODA, 'clerk', [person('P1'), person('P2', '髙橋 𠮷子', 'タカハシ ヨシコ')]), ['created', 'created'])
  assert.deepEqual(await db.putPersons(CHIYODA, 'clerk', [person('P1')]), ['unchanged'])
  await db.putRecords(SAPPORO, 'clerk', [record('old', 'P1', SAPPORO, '2010-01-01')])
  await db.putRecords(CHIYODA, 'clerk', [record('new', 'P1', CHIYODA, '2024-01-01', { lot: 'AB12C' }), record('r2', 'P2', CHIYODA, '2024-02-01')])

  const rows = await db.personRecords(CHIYODA, 'clerk', 'P1')
  assert.deepEqual(rows.map((r) => [r.record.id, r.certifiable]), [['new', true], ['old', false]])
  assert.equal(rows[0].person.nameKana, 'ヤマダ ハナコ')
  assert.equal(rows[0].updatedAt.getTime(), NOW.getTime())
  await assert.rejects(db.personRecords('141003', 'clerk', 'P1'), (e) => e.code === 'not_found')

  const page = await db.queryRecords(CHIYODA, 'clerk', { kanaPrefix: 'タカハシ' })
  assert.deepEqual(page.rows.map((r) => r.record.id), ['r2'])

  const csv = await db.exportRecordsCsv(CHIYODA, 'clerk')
  assert.ok(Buffer.isBuffer(csv) && csv[0] === 0xef && csv.toString('utf8').includes('𠮷'))
  await assert.rejects(db.exportRecordsCsv(CHIYODA, 'clerk', { encoding: 'shift_jis' }), (e) => e.code === 'unencodable_character')
  const sjis = await db.exportRecordsCsv(CHIYODA, 'clerk', { encoding: 'shift_jis', replacement: '?' })
  assert.ok(new TextDecoder('shift_jis').decode(sjis).includes('髙橋 ?子'))
  assert.throws(() => db.exportRecordsCsv(CHIYODA, 'clerk', { encoding: 'latin1' }), (e) => e.code === 'invalid_encoding')
  assert.throws(() => db.exportRecordsCsv(CHIYODA, 'clerk', { encoding: 'shift_jis', replacement: '??' }), (e) => e.code === 'invalid_replacement')

  const pull = await db.pullDelivery(CHIYODA, 'system')
  assert.deepEqual(pull.records.map((r) => r.record.id).sort(), ['new', 'r2'])
  const again = await db.pullDelivery(CHIYODA, 'system')
  assert.equal(again.batchId, pull.batchId)
  assert.equal(again.redelivery, true)
  assert.equal(await db.ackDelivery(CHIYODA, 'system', pull.batchId), true)
  assert.equal(await db.ackDelivery(CHIYODA, 'system', pull.batchId), false)
  assert.equal((await db.pullDelivery(CHIYODA, 'system')).batchId, undefined)

  assert.deepEqual((await db.portalRecords('pmh-P1')).map((r) => r.id), ['new', 'old'])
  const log = await db.searchLog(CHIYODA, 'auditor', 'P1')
  for (const action of ['read_records', 'deliver_records', 'read_portal']) assert.ok(log.some((e) => e.action === action), action)
  // By period (at or after `from`, before `to`; every entry here is at NOW) and size.
  const second = new Date(NOW.getTime() + 1000)
  assert.equal((await db.searchLog(CHIYODA, 'auditor', 'P1', null, { from: second })).length, 0)
  assert.equal((await db.searchLog(CHIYODA, 'auditor', 'P1', null, { to: NOW })).length, 0)
  const period = await db.searchLog(CHIYODA, 'auditor', 'P1', null, { from: NOW, to: second })
  assert.ok(period.length > 0 && period.every((e) => e.at.getTime() === NOW.getTime()))
  assert.equal((await db.searchLog(CHIYODA, 'auditor', 'P1', null, { limit: 1 })).length, 1)
  assert.ok((await db.searchLog(CHIYODA, 'auditor', null, 'clerk')).every((e) => e.actor === 'clerk'))
  const report = await db.verifyLog(CHIYODA, 'auditor')
  assert.equal(report.firstBreak, undefined)
  assert.ok(Number(report.verified) > 0)
})

test('timestamp text needs an offset', () => {
  assert.equal(s.parseTimestamp('2025-04-01T10:00:00.001+09:00').toISOString(), '2025-04-01T01:00:00.001Z')
  for (const text of ['2025-04-01T10:00:00', '2025-04-01', 'yesterday']) {
    assert.throws(() => s.parseTimestamp(text), (e) => e.code === 'invalid_timestamp')
  }
})

test('bad input is a typed error, and nothing is written', async () => {
  const db = s.Sesshu.openSqlite(join(mkdtempSync(join(tmpdir(), 'sesshu-')), 't.db'), NOW)
  assert.throws(() => db.putPersons(CHIYODA, 'clerk', [person('P1'), person('bad id!')]), (e) => e.code === 'invalid_management_id')
  assert.throws(() => db.putPersons('131017', 'clerk', [person('P1')]), (e) => e.code === 'invalid_municipality_code')
  assert.deepEqual(await db.putPersons(CHIYODA, 'clerk', [person('P1')]), ['created'])
  await assert.rejects(db.putRecords(CHIYODA, 'clerk', [record('x', 'P1', CHIYODA, '2010-01-01')]), (e) => e.code === 'responsible_mismatch')
  await assert.rejects(db.putRecords('141003', 'clerk', [record('y', 'P1', CHIYODA, '2024-01-01')]), (e) => e.code === 'not_authorized')
  for (const doseNumber of [-1, 0, 100]) {
    assert.throws(() => db.putRecords(CHIYODA, 'clerk', [{ ...record('z', 'P1', CHIYODA, '2024-01-01'), doseNumber }]),
      (e) => e.code === 'invalid_dose_number')
  }
  assert.deepEqual(await db.personRecords(CHIYODA, 'clerk', 'P1'), [])
  assert.throws(() => s.wareki('1872-12-31'), (e) => e.code === 'date_out_of_range')
  for (const bad of ['2024-3-1', '+2024-03-01', '2024/03/01']) {
    assert.throws(() => db.putRecords(CHIYODA, 'clerk', [record('z', 'P1', CHIYODA, bad)]), (e) => e.code === 'invalid_date', bad)
    assert.throws(() => s.wareki(bad), (e) => e.code === 'invalid_date', bad)
  }
})

test('a person without a history yet may be imported again', async () => {
  const db = s.Sesshu.openSqlite(join(mkdtempSync(join(tmpdir(), 'sesshu-')), 't.db'), NOW)
  const bare = { ...person('P9', '鈴木 次郎', 'すずき じろう'), residency: [] }
  const shown = (out) => out.map((o) => o.outcome ?? o.code)
  assert.deepEqual(shown(await db.importPersons(CHIYODA, 'clerk', [bare])), ['created'])
  // The persons file again, before the residency file: unchanged.
  assert.deepEqual(shown(await db.importPersons(CHIYODA, 'clerk', [bare])), ['unchanged'])
  // Once their history names Sapporo and Chiyoda, Yokohama may not write them.
  assert.deepEqual(shown(await db.importPersons(CHIYODA, 'clerk', [person('P9', '鈴木 次郎', 'すずき じろう')])), ['updated'])
  assert.deepEqual(shown(await db.importPersons('141003', 'clerk', [person('P9', '鈴木 三郎', 'すずき さぶろう')])), ['not_authorized'])
})

test('an import lands the good items and refuses each other in its place', async () => {
  const db = s.Sesshu.openSqlite(join(mkdtempSync(join(tmpdir(), 'sesshu-')), 't.db'), NOW)
  const people = await db.importPersons(CHIYODA, 'clerk', [person('P1'), person('bad id!'), person('P2')])
  assert.deepEqual(people.map((o) => [o.outcome, o.code]), [['created', undefined], [undefined, 'invalid_management_id'], ['created', undefined]])
  assert.match(people[1].message, /bad id!/)
  const records = [
    record('R1', 'P1', CHIYODA, '2024-01-01'),
    record('R2', 'P1', CHIYODA, '2010-01-01'), // Sapporo's time, said to be Chiyoda's
    record('R3', 'P1', CHIYODA, '2024-02-01', { doseNumber: 0 }),
    record('R4', 'P2', CHIYODA, '2024-03-01')
  ]
  const shown = (out) => out.map((o) => o.outcome ?? o.code)
  assert.deepEqual(shown(await db.importRecords(CHIYODA, 'clerk', records)), ['created', 'responsible_mismatch', 'invalid_dose_number', 'created'])
  assert.deepEqual(shown(await db.importRecords(CHIYODA, 'clerk', records)), ['unchanged', 'responsible_mismatch', 'invalid_dose_number', 'unchanged'])
  // Another municipality may not write Chiyoda's records: each is refused.
  assert.deepEqual(shown(await db.importRecords('141003', 'clerk', [record('R5', 'P1', CHIYODA, '2024-05-01')])), ['not_authorized'])
  assert.deepEqual((await db.personRecords(CHIYODA, 'clerk', 'P1')).map((r) => r.record.id), ['R1'])
})

test('dates and residency are checked before anything lands', async () => {
  const db = s.Sesshu.openSqlite(join(mkdtempSync(join(tmpdir(), 'sesshu-')), 't.db'), NOW) // 2025-04-01 JST
  const codes = (out) => out.map((o) => o.code ?? null)
  const people = await db.importPersons(CHIYODA, 'clerk', [{ ...person('U1'), birthDate: '2025-04-02' }, person('P1'), { ...person('P9'), residency: [] }])
  assert.deepEqual(codes(people), ['birth_date_out_of_range', null, null])
  assert.match(people[0].message, /2025-04-02/)
  assert.deepEqual(codes(await db.importRecords(CHIYODA, 'clerk', [record('F1', 'P1', CHIYODA, '2025-04-02')])), ['vaccination_date_in_future'])
  assert.deepEqual(codes(await db.importRecords(SAPPORO, 'clerk', [record('B1', 'P1', SAPPORO, '1990-04-30')])), ['vaccination_before_birth'])
  await assert.rejects(db.putRecords(CHIYODA, 'clerk', [record('N1', 'P9', CHIYODA, '2024-01-01')]), { code: 'never_resident' })
  assert.deepEqual(await db.personRecords(CHIYODA, 'clerk', 'P1'), [])
})

test('a byte-order mark in a name is refused', async () => {
  const db = s.Sesshu.openSqlite(join(mkdtempSync(join(tmpdir(), 'sesshu-')), 't.db'), NOW)
  await assert.rejects(async () => db.putPersons(CHIYODA, 'clerk', [person('P1', '山田\ufeff花子')]), (e) => e.code === 'invalid_name' && /U\+FEFF/.test(e.message))
})

test('the log is checked against a signed checkpoint', async () => {
  const db = s.Sesshu.openSqlite(join(mkdtempSync(join(tmpdir(), 'sesshu-')), 't.db'), NOW)
  await db.putPersons(CHIYODA, 'clerk', [person('P1')])
  await db.personRecords(CHIYODA, 'clerk', 'P1')
  const key = s.generateLogKey()
  assert.match(key.publicKey, /^sesshu-log-public-key-v1:/)
  const checkpoint = await db.logCheckpoint(CHIYODA, 'auditor', key.privateKey)
  const size = JSON.parse(checkpoint).size
  const ok = await db.verifyLogWithCheckpoint(CHIYODA, 'auditor', checkpoint, key.publicKey)
  assert.equal(ok.firstBreak, undefined)
  assert.equal(ok.verified, String(size))
  await assert.rejects(db.verifyLogWithCheckpoint(CHIYODA, 'auditor', checkpoint, s.generateLogKey().publicKey), (e) => e.code === 'checkpoint_signature_invalid')
  const forged = JSON.stringify({ ...JSON.parse(checkpoint), size: size + 5 })
  await assert.rejects(db.verifyLogWithCheckpoint(CHIYODA, 'auditor', forged, key.publicKey), (e) => e.code === 'checkpoint_signature_invalid')
  assert.throws(() => db.logCheckpoint(CHIYODA, 'auditor', 'not a key'), (e) => e.code === 'invalid_log_key')
})

test('the access log pages and downloads', async () => {
  const db = s.Sesshu.openSqlite(join(mkdtempSync(join(tmpdir(), 'sesshu-')), 't.db'), NOW)
  await db.putPersons(CHIYODA, 'clerk', [person('P1'), person('P2')])
  await db.putRecords(CHIYODA, 'clerk', [record('R1', 'P1', CHIYODA, '2024-01-01')])
  for (const id of ['P1', 'P2', 'P1']) await db.personRecords(CHIYODA, 'clerk', id)
  const to = new Date(NOW.getTime() + 1000) // the searches' own reads are logged at NOW too
  const whole = await db.searchLog(CHIYODA, 'auditor', null, null, { to })
  assert.ok(whole.length >= 3)
  const first = await db.searchLog(CHIYODA, 'auditor', null, null, { to, limit: 2 })
  const rest = await db.searchLog(CHIYODA, 'auditor', null, null, { to, after: first[1].seq })
  assert.deepEqual(first.map((e) => e.seq), whole.slice(0, 2).map((e) => e.seq))
  assert.ok(rest.every((e) => BigInt(e.seq) > BigInt(first[1].seq)))
  const csv = (await db.exportLogCsv(CHIYODA, 'auditor', 'P1')).toString('utf8').replace(/^\uFEFF/, '').trim().split('\r\n')
  assert.equal(csv[0], 'seq,at,actor,organisation,action,subject,record_ids')
  assert.ok(csv.length > 2 && csv.slice(1).every((l) => l.includes(',P1,')))
  assert.ok(csv.some((l) => l.includes(',read_records,P1,R1')))
  assert.throws(() => db.exportLogCsv(CHIYODA, 'auditor', null, null, { encoding: 'latin1' }), (e) => e.code === 'invalid_encoding')
  assert.throws(() => db.searchLog(CHIYODA, 'auditor', null, null, { after: 'seven' }), (e) => e.code === 'invalid_seq')
})

test('exports neutralise formulas and write Windows-31J', async () => {
  const db = s.Sesshu.openSqlite(join(mkdtempSync(join(tmpdir(), 'sesshu-')), 't.db'), NOW)
  await db.putPersons(CHIYODA, 'clerk', [person('P1', '山田〜‖—￢￠￡￥ 花子')])
  await db.putRecords(CHIYODA, 'clerk', [record('r1', 'P1', CHIYODA, '2024-01-01', { lot: '=HYPERLINK(1)' })])
  const sjis = await db.exportRecordsCsv(CHIYODA, 'clerk', { encoding: 'shift_jis' })
  const text = new TextDecoder('shift_jis').decode(sjis)
  assert.ok(text.includes('山田～∥―￢￠￡￥ 花子'), text)
  assert.ok(text.includes(",'=HYPERLINK(1),"), text)
  // ￥ is 81 8F; 0x5C appears only as a trail byte (― is 81 5C), never alone.
  assert.ok(Buffer.from(sjis).includes(Buffer.from([0x81, 0x8f])), 'yen as 81 8F')
  assert.ok(!text.includes('\\'), 'never a backslash')
})

test('the persons file keeps the history; the residency file replaces it', async () => {
  const db = s.Sesshu.openSqlite(join(mkdtempSync(join(tmpdir(), 'sesshu-')), 't.db'), NOW)
  const pair = (o) => [o.outcome ?? null, o.code ?? null]
  // The persons file gives details only: a history given with them is ignored.
  const out = await db.importPersonDetails(CHIYODA, 'clerk', [person('P1'), person('bad id!'), person('P2')])
  assert.deepEqual(out.map(pair), [['created', null], [null, 'invalid_management_id'], ['created', null]])
  const chiyoda = [{ municipality: CHIYODA, from: '2020-04-01' }]
  const got = await db.importResidency(CHIYODA, 'clerk', [
    { managementId: 'P1', residency: chiyoda },
    { managementId: 'P404', residency: chiyoda },
    { managementId: 'P1', residency: [] },
    { managementId: 'bad id!', residency: [] },
    { managementId: 'P2', residency: [{ municipality: CHIYODA, from: '2020-04-01', to: '2020-04-01' }] }
  ])
  assert.deepEqual(got.map(pair), [['updated', null], [null, 'not_found'], [null, 'duplicate'], [null, 'invalid_management_id'], [null, 'invalid_interval']])
  await db.putRecords(CHIYODA, 'clerk', [record('R1', 'P1', CHIYODA, '2024-01-01')])
  // Again with a new name and another history: the name changes, the history stays.
  assert.deepEqual((await db.importPersonDetails(CHIYODA, 'clerk', [person('P1', '山田 春子')])).map(pair), [['updated', null]])
  const rows = await db.personRecords(CHIYODA, 'clerk', 'P1')
  assert.deepEqual(rows.map((r) => [r.record.id, r.person.name]), [['R1', '山田 春子']])
  assert.deepEqual(rows[0].person.residency.map((i) => [i.municipality, i.from]), [[CHIYODA, '2020-04-01']])
  await assert.rejects(db.personRecords(SAPPORO, 'clerk', 'P1'), (e) => e.code === 'not_found')
  // Yokohama, which neither history names, may not change it.
  const elsewhere = await db.importResidency('141003', 'clerk', [{ managementId: 'P1', residency: [{ municipality: CHIYODA, from: '2021-04-01' }] }])
  assert.deepEqual(elsewhere.map((o) => o.code), ['not_authorized'])
})
