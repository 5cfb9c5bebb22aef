// Questionnaire answers (予診票回答) on a SQLite store: the institution
// writes them, staff read them with the items the institution changed.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const s = require('../index.js')
const NOW = new Date('2025-04-01T03:00:00Z')
const [CHIYODA, SAPPORO, YOKOHAMA] = ['131016', '011002', '141003']
const CLINIC = '0110113719'
const DOCTOR = { userId: 'dr-sato', orgType: 'medical_institution', organisation: CLINIC, roles: ['doctor'] }

async function store () {
  const db = s.Sesshu.openSqlite(join(mkdtempSync(join(tmpdir(), 'sesshu-')), 'q.db'), NOW)
  await db.putPersons(CHIYODA, 'clerk', [{
    managementId: 'P1', subjectNumber: 'S1', name: '山田 花子', nameKana: 'ヤマダ ハナコ', birthDate: '1990-05-01', sex: 'female',
    residency: [{ municipality: SAPPORO, from: '1990-05-01', to: '2020-04-01' }, { municipality: CHIYODA, from: '2020-04-01' }]
  }])
  await db.putRecords(CHIYODA, 'clerk', [{
    id: 'R1', managementId: 'P1', responsible: CHIYODA, category: 'routine', vaccine: 'MR', doseNumber: 1, date: '2024-01-01', institution: CLINIC
  }])
  return db
}

const SUBJECT = { fever: false, temperature: 36.5, allergies: ['egg', 'milk'], note: 'なし', history: { asthma: true }, blank: null }
const INSTITUTION = { fever: false, temperature: 36.8, allergies: ['milk', 'egg'], history: { asthma: true }, doctor: '佐藤' }

test('the institution writes, staff read what it changed', async () => {
  const db = await store()
  assert.equal(await db.putQuestionnaire(DOCTOR, 'R1', SUBJECT, INSTITUTION), 'created')
  assert.equal(await db.putQuestionnaire(DOCTOR, 'R1', SUBJECT, INSTITUTION), 'unchanged')
  const q = await db.questionnaire(CHIYODA, 'clerk', 'R1')
  assert.equal(q.record, 'R1')
  assert.deepEqual(q.modified, ['doctor', 'note', 'temperature'])
  assert.deepEqual(q.institution, { allergies: ['milk', 'egg'], doctor: '佐藤', fever: false, history: { asthma: true }, temperature: 36.8 })
  assert.equal(q.subject.temperature, 36.5)
  assert.ok(!('blank' in q.subject))
  assert.equal(await db.putQuestionnaire(DOCTOR, 'R1', SUBJECT, { ...INSTITUTION, doctor: '鈴木' }), 'updated')
  assert.equal((await db.questionnaire(CHIYODA, 'clerk', 'R1')).institution.doctor, '鈴木')
  const actions = (await db.searchLog(CHIYODA, 'auditor', 'P1')).map((e) => e.action)
  assert.equal(actions.filter((a) => a === 'write_questionnaire').length, 2)
  assert.equal(actions.filter((a) => a === 'read_questionnaire').length, 2)
})

test('visibility follows the record; refusals are typed and write nothing', async () => {
  const db = await store()
  await assert.rejects(db.questionnaire(CHIYODA, 'clerk', 'R1'), (e) => e.code === 'not_found')
  const other = { ...DOCTOR, userId: 'dr-x', organisation: '1310000003' }
  await assert.rejects(db.putQuestionnaire(other, 'R1', SUBJECT, INSTITUTION), (e) => e.code === 'not_authorized')
  await assert.rejects(db.putQuestionnaire(DOCTOR, 'R9', SUBJECT, INSTITUTION), (e) => e.code === 'not_found')
  // What is not plain data is refused, not read as no answer.
  for (const bad of [['fever'], undefined, { t: NaN }, { t: Infinity }, { f: () => 1 }]) {
    assert.throws(() => db.putQuestionnaire(DOCTOR, 'R1', bad, {}), (e) => e.code === 'invalid_answer', String(bad))
  }
  assert.throws(() => s.modifiedItems({ t: NaN }, {}), (e) => e.code === 'invalid_answer')
  assert.throws(() => db.putQuestionnaire(DOCTOR, 'bad id!', SUBJECT, INSTITUTION), (e) => e.code === 'invalid_record_id')
  await assert.rejects(db.questionnaire(CHIYODA, 'clerk', 'R1'), (e) => e.code === 'not_found')
  await db.putQuestionnaire(DOCTOR, 'R1', SUBJECT, INSTITUTION)
  await assert.rejects(db.questionnaire(SAPPORO, 'clerk', 'R1'), (e) => e.code === 'not_found')
  await assert.rejects(db.questionnaire(YOKOHAMA, 'clerk', 'R1'), (e) => e.code === 'not_found')
})

test('the list and the download follow the record', async () => {
  const db = await store()
  await db.putRecords(SAPPORO, 'clerk', [{
    id: 'S1', managementId: 'P1', responsible: SAPPORO, category: 'routine', vaccine: 'MR', doseNumber: 1, date: '2010-01-01', institution: CLINIC
  }])
  await db.putRecords(CHIYODA, 'clerk', [{ id: 'R2', managementId: 'P1', responsible: CHIYODA, category: 'routine', vaccine: 'MR', doseNumber: 2, date: '2024-06-01' }])
  await db.putQuestionnaire(DOCTOR, 'R1', SUBJECT, { ...INSTITUTION, doctor: '𠮷田' })
  await db.putQuestionnaire(DOCTOR, 'S1', { fever: true }, { fever: true })

  const page = await db.queryQuestionnaires(CHIYODA, 'clerk')
  assert.equal(page.next, undefined)
  assert.deepEqual(page.rows.map((r) => [r.record.id, r.person.managementId]), [['R1', 'P1'], ['S1', 'P1']])
  assert.deepEqual(page.rows[0].answers.modified, ['doctor', 'note', 'temperature'])
  assert.deepEqual((await db.queryQuestionnaires(SAPPORO, 'clerk')).rows.map((r) => r.record.id), ['S1'])
  assert.deepEqual((await db.queryQuestionnaires(YOKOHAMA, 'clerk')).rows, [])
  const paged = await db.queryQuestionnaires(CHIYODA, 'clerk', { vaccinatedFrom: '2020-01-01' })
  assert.deepEqual(paged.rows.map((r) => r.record.id), ['R1'])

  const csv = await db.exportQuestionnairesCsv(CHIYODA, 'clerk')
  assert.ok(Buffer.isBuffer(csv) && csv[0] === 0xef)
  const lines = csv.toString('utf8').replace(/^\uFEFF/, '').split('\r\n').filter((l) => l)
  assert.ok(lines.includes('S1,P1,山田 花子,ヤマダ ハナコ,R1,MR,2024-01-01,temperature,36.8,36.5,true'), lines.join('\n'))
  assert.ok(lines.includes('S1,P1,山田 花子,ヤマダ ハナコ,S1,MR,2010-01-01,fever,true,true,false'))
  assert.equal(lines.length, 1 + 6 + 1)
  await assert.rejects(db.exportQuestionnairesCsv(CHIYODA, 'clerk', { encoding: 'shift_jis' }), (e) => e.code === 'unencodable_character')
  const actions = (await db.searchLog(CHIYODA, 'auditor', 'P1')).map((e) => e.action)
  assert.ok(actions.includes('read_questionnaire') && actions.includes('export_questionnaires'))
})
