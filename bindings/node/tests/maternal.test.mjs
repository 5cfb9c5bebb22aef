// Maternal and child health data (H-7) from JavaScript.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const s = require('../index.js')
const CHIYODA = { userId: 'clerk', orgType: 'municipality', organisation: '131016', roles: ['municipality'] }
const YOKOHAMA = { userId: 'clerk', orgType: 'municipality', organisation: '141003', roles: ['municipality'] }
const open = () => s.Sesshu.openSqlite(join(mkdtempSync(join(tmpdir(), 'sesshu-mc-')), 'm.db'))

// A plausible value, from the declaration alone.
const sample = (item, n) => item.itemType === 'date'
  ? `2026-11-${String(1 + (n % 28)).padStart(2, '0')}`
  : ['integer', 'measure'].includes(item.itemType) ? item.minimum
      : item.itemType === 'code' ? item.codes[n % item.codes.length].split('=')[0] : `所見${n}`
const rows = (d, first, count) => Array.from({ length: count }, (_, k) =>
  [`S${String(first + k).padStart(5, '0')}`, ...d.items.map((i) => sample(i, first + k))].join(',') + '\n').join('')

test('every template, filled from the declaration, uploads cleanly and once', async () => {
  const db = open()
  const sets = s.maternalDataSets()
  assert.equal(sets.length, 13)
  for (const d of sets) {
    const file = Buffer.concat([db.maternalTemplate(d.name), Buffer.from(rows(d, 1, 3))])
    const up = await db.uploadMaternalCsv(CHIYODA, d.name, file)
    assert.deepEqual([up.rows, up.registered, up.refused.length], [3, 3, 0], d.name)
    const again = await db.uploadMaternalCsv(CHIYODA, d.name, file)
    assert.deepEqual([again.registered, again.unchanged], [0, 3])
    const back = await db.exportMaternalCsv(CHIYODA, d.name)
    assert.equal((await db.uploadMaternalCsv(CHIYODA, d.name, back)).unchanged, 3)
  }
})

test('bad rows, interface files and the residency rule', async () => {
  const db = open()
  const up = await db.uploadMaternalCsv(CHIYODA, 'newborn_hearing',
    Buffer.from('subject_number,exam_date,method,right,left,stage\nS1,2026-11-01,AABR,pass,pass,initial\nS2,2026-11-01,ABR,pass,pass,\n'))
  assert.equal(up.registered, 1)
  assert.deepEqual(up.refused.map((r) => [r.row, r.column, r.code]), [[2, 'method', 'invalid_item_value']])
  assert.ok(up.errorsCsv.includes('\r\n2,method,'))
  const doc = { interface: 'H_071-009_IF', version: 1, municipality: '131016', rows: [{ subject_number: 'S3', exam_date: '2026-11-02', method: 'OAE', right: 'refer', left: 'pass' }] }
  const r = await db.receiveMaternal(CHIYODA, Buffer.from(JSON.stringify(doc)))
  assert.deepEqual([r.dataSet, r.registered, r.refused.length], ['newborn_hearing', 1, 0])
  await assert.rejects(db.receiveMaternal(YOKOHAMA, Buffer.from(JSON.stringify(doc))), (e) => e.code === 'not_authorized')
  assert.equal((await db.maternalDataOf(CHIYODA, 'S3'))[0].values.right, 'refer')
  assert.deepEqual(await db.maternalDataOf(YOKOHAMA, 'S3'), [])
})
