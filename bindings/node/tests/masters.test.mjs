// The masters (H-8) and the zengin code-check master from JavaScript.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const s = require('../index.js')
const here = dirname(fileURLToPath(import.meta.url))
const zenginDir = join(here, '..', '..', '..', 'data', 'zengin')
const snapshot = readdirSync(zenginDir).find((f) => f.endsWith('.csv'))

const MHLW = { userId: 'mhlw-1', orgType: 'mhlw', organisation: 'MHLW', roles: ['mhlw'] }
const CENTRAL = { userId: 'op-1', orgType: 'central', organisation: 'CENTRAL', roles: ['central'] }
const CHIYODA = { userId: 'clerk', orgType: 'municipality', organisation: '131016', roles: ['municipality'] }
const open = () => s.Sesshu.openSqlite(join(mkdtempSync(join(tmpdir(), 'sesshu-')), 'm.db'))
const VACCINES = 'code,name,name_en,valid_from,valid_to\n' +
  'MR,麻しん風しん混合,Measles-Rubella,2006-04-01,\n' +
  'DPT,ジフテリア・百日せき・破傷風,,1981-04-01,2012-11-01\n' +
  'BAD CODE,x,,2000-01-01,\n'

test('the declared masters are listed', () => {
  const v = s.masterKinds().find((k) => k.name === 'vaccine_types')
  assert.deepEqual([v.label, v.owner, v.key], ['ワクチン種別マスタ', 'mhlw', ['code']])
  assert.equal(v.columns[0].columnType, 'key')
})

test('upload with a dry run, per-row errors, idempotence and download', async () => {
  const db = open()
  await assert.rejects(db.importMasterCsv(CHIYODA, 'vaccine_types', Buffer.from(VACCINES)), { code: 'not_authorized' })
  const dry = await db.importMasterCsv(MHLW, 'vaccine_types', Buffer.from(VACCINES), null, true)
  assert.deepEqual([dry.dryRun, dry.created, dry.errors.length], [true, 2, 1])
  assert.deepEqual([dry.errors[0].row, dry.errors[0].column, dry.errors[0].code], [3, 'code', 'invalid_master_value'])
  assert.deepEqual(await db.masterRows(MHLW, 'vaccine_types'), [])
  const first = await db.importMasterCsv(MHLW, 'vaccine_types', Buffer.from(VACCINES))
  assert.equal(first.created, 2)
  const again = await db.importMasterCsv(MHLW, 'vaccine_types', Buffer.from(VACCINES))
  assert.deepEqual([again.created, again.updated, again.unchanged], [0, 0, 2])
  const rows = await db.masterRows(MHLW, 'vaccine_types')
  assert.deepEqual(rows.map((r) => [r.values.code, r.validFrom, r.validTo ?? null]), [['DPT', '1981-04-01', '2012-11-01'], ['MR', '2006-04-01', null]])
  const mr = await db.masterRowAsOf(MHLW, 'vaccine_types', ['MR'], '2024-01-01')
  assert.equal(mr.values.name_en, 'Measles-Rubella')
  assert.equal(await db.masterRowAsOf(MHLW, 'vaccine_types', ['DPT'], '2013-01-01'), null)
  for (const encoding of ['utf8', 'shift_jis']) {
    const file = await db.exportMasterCsv(MHLW, 'vaccine_types', encoding)
    const back = await db.importMasterCsv(MHLW, 'vaccine_types', file, encoding)
    assert.deepEqual([back.created, back.updated, back.unchanged, back.errors.length], [0, 0, 2, 0])
  }
  await assert.rejects(db.masterRows(MHLW, 'no_such_master'), { code: 'unknown_master' })
})

test('zengin: load the snapshot, check, refuse a broken file, roll back', async () => {
  const db = open()
  await assert.rejects(db.zenginCheck('0001', '001'), { code: 'unknown_bank_code' })
  const first = await db.zenginLoad(CENTRAL, readFileSync(join(zenginDir, snapshot)), snapshot)
  assert.deepEqual([first.changed, first.current.banks, first.backup ?? null], [true, 1146, null])
  await db.zenginCheck('0001', '001')
  const account = (bank) => ({ accountClass: 'registered', bank, branch: '001', depositType: 'ordinary', number: '1234567', holder: 'ﾔﾏﾀﾞ ﾀﾛｳ' })
  await db.checkBankAccount(account('0001'))
  await assert.rejects(db.checkBankAccount(account('9998')), { code: 'unknown_bank_code' })
  await assert.rejects(db.zenginCheck('0001', '999'), { code: 'unknown_branch_code' })
  const head = 'bank_code,bank_name,bank_kana,branch_code,branch_name,branch_kana\n'
  const second = await db.zenginLoad(CENTRAL, Buffer.from(head + '0001,x,X,999,y,Y\n'), 'second.csv')
  assert.deepEqual([second.current.banks, second.backup.generation], [1, first.current.generation])
  assert.throws(() => db.zenginLoad(CENTRAL, Buffer.from(head + '12,x,X,999,y,Y\n'), 'broken.csv'), { code: 'zengin_file_refused' })
  assert.equal((await db.zenginStatus()).current.generation, second.current.generation)
  const rolled = await db.zenginRollback(CENTRAL)
  assert.equal(rolled.current.sha256, first.current.sha256)
  await db.zenginCheck('0001', '001')
  await assert.rejects(db.zenginRollback(CHIYODA), { code: 'not_authorized' })
})

test('a vial label resolves through the GTIN master', async () => {
  const db = open()
  await db.importMasterCsv(MHLW, 'gtin_codes', Buffer.from('gtin,vaccine_type,product,valid_from\n4987123456784,MR,ミールビック,2020-04-01\n'))
  const label = '(01)04987123456784(17)260331(10)AB12C'
  const v = await db.resolveVialLabel(label, '2026-03-01')
  assert.deepEqual([v.vaccineType, v.product, v.lot, v.expiry], ['MR', 'ミールビック', 'AB12C', '2026-03-31'])
  await assert.rejects(db.resolveVialLabel(label, '2026-04-01'), { code: 'lot_expired' })
})

test("a day's files received twice, and the differences sent", async () => {
  const db = open()
  const files = {
    'H_087-005_20261201.csv': Buffer.from('code,name,valid_from\n131016,千代田区,2000-01-01\n'),
    'H_087-011_20261201.csv': Buffer.from('code,name,valid_from\n1311234502,千代田クリニック,2000-01-01\n'),
    'notes.txt': Buffer.from('x')
  }
  await assert.rejects(db.receiveMasters(CHIYODA, files), { code: 'not_authorized' })
  const got = Object.fromEntries((await db.receiveMasters(CENTRAL, files)).map((f) => [f.name, f]))
  assert.deepEqual([got['H_087-005_20261201.csv'].outcome, got['H_087-005_20261201.csv'].report.created], ['applied', 1])
  assert.equal(got['notes.txt'].outcome, 'ignored')
  for (const f of await db.receiveMasters(CENTRAL, files)) {
    if (f.report) assert.equal(f.report.created + f.report.updated, 0, f.name)
  }
  const late = await db.receiveMasters(CENTRAL, { 'H_087-005_20261130.csv': files['H_087-005_20261201.csv'] })
  assert.deepEqual([late[0].outcome, late[0].latest], ['superseded', '2026-12-01'])
  const d = await db.pullMasterDiff(CENTRAL, 'collective_contract')
  assert.deepEqual([d.interfaces, d.redelivery], [['H_088-001'], false])
  assert.equal((await db.pullMasterDiff(CENTRAL, 'collective_contract')).redelivery, true)
  assert.equal(await db.ackMasterDiff(CENTRAL, d.batch), true)
  assert.equal(await db.ackMasterDiff(CENTRAL, d.batch), false)
  assert.equal(await db.pullMasterDiff(CENTRAL, 'collective_contract'), null)
})
