// sesshu from Node: one rule, one store, one query, errors.
// Run: node examples/node/quickstart.mjs   (after building bindings/node)
import { createRequire } from 'node:module'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const require = createRequire(import.meta.url)
const sesshu = require('../../bindings/node/index.js')

// One rule: which certificate form (SPEC §6).
const form = sesshu.selectForm('temporary', 3, { passportNumber: 'ｔｋ１２３４５６７', nationality: 'jpn', nameRoman: 'yamada hanako' })
console.log('form', form.form, form.travel.passportNumber, form.travel.nameRoman)

// Errors: an Error with a stable code.
try {
  sesshu.parseMunicipalityCode('131017')
} catch (e) {
  console.log('refused:', e.code)
}

// A store: store calls run off the event loop and return Promises.
const db = sesshu.Sesshu.openSqlite(join(mkdtempSync(join(tmpdir(), 'sesshu-')), 'town.db'))
await db.putPersons('131016', 'clerk', [{
  managementId: 'P1', subjectNumber: 'S1', name: '山田 花子', nameKana: 'ヤマダ ハナコ', birthDate: '1990-05-01', sex: 'female', pmhKey: 'pmh-1',
  residency: [{ municipality: '011002', from: '1990-05-01', to: '2020-04-01' }, { municipality: '131016', from: '2020-04-01' }]
}])
await db.putRecords('011002', 'clerk', [{ id: 'R1', managementId: 'P1', responsible: '011002', category: 'routine', vaccine: 'MR', doseNumber: 1, date: '2010-06-01' }])
for (const row of await db.personRecords('131016', 'clerk', 'P1')) {
  console.log(row.record.id, 'visible to Chiyoda; certifiable:', row.certifiable)
}
console.log('access log intact:', (await db.verifyLog('131016', 'auditor')).firstBreak === undefined)
