// Bank accounts (H-9), federation links (H-10) and notices (H-11) from JavaScript.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const s = require('../index.js')

const CENTRAL = { userId: 'op-1', orgType: 'central', organisation: 'CENTRAL', roles: ['central'] }
const CLINIC = { userId: 'c-1', orgType: 'medical_institution', organisation: '1311234502', roles: ['administrator'] }
const STAFF = { userId: 'c-2', orgType: 'medical_institution', organisation: '1311234502', roles: ['medical_staff'] }
const F13 = { userId: 'f-1', orgType: 'federation', organisation: 'F13', roles: ['federation'] }
const F27 = { userId: 'f-2', orgType: 'federation', organisation: 'F27', roles: ['federation'] }
const path = () => join(mkdtempSync(join(tmpdir(), 'sesshu-bank-')), 'b.db')
const account = { accountClass: 'registered', bank: '0005', branch: '123', depositType: 'ordinary', number: '7654321', holder: 'カ）サクラクリニック' }

async function open (file, now) {
  const db = s.Sesshu.openSqlite(file, now)
  await db.zenginLoad(CENTRAL, Buffer.from('bank_code,bank_name,bank_kana,branch_code,branch_name,branch_kana\n0005,三菱,ﾐﾂﾋﾞｼ,123,新宿,ｼﾝｼﾞﾕｸ\n0009,三井住友,ﾐﾂｲ,100,本店,ﾎﾝﾃﾝ\n'), 'z.csv')
  await db.importMasterCsv(F13, 'member_institutions', Buffer.from('federation,institution,valid_from\nF13,1311234502,2020-04-01\n'))
  await db.importMasterCsv(F13, 'federations', Buffer.from('federation,name,email,valid_from\nF13,東京都国保連,kouza@f13.example.jp,2020-04-01\n'))
  await db.importMasterCsv(F13, 'federation_accounts', Buffer.from('federation,account,bank,branch,deposit_type,number,holder,valid_from\nF13,A1,0009,100,ordinary,1234567,ﾄｳｷﾖｳ,2020-04-01\n'))
  await db.importMasterCsv(STAFF, 'institutions', Buffer.from('code,name,admin_email,valid_from\n1311234502,さくら,admin@sakura.example.jp,2020-04-01\n'))
  return db
}

test('an application is checked, decided once, and notified', async () => {
  const db = await open(path())
  await assert.rejects(db.applyBankAccount(CLINIC, '1311234502', 'vaccination', account, [{ name: 'a.pdf', data: Buffer.from('GIF89a') }]),
    (e) => e.code === 'attachment_type_refused')
  const app = await db.applyBankAccount(CLINIC, '1311234502', 'vaccination', account, [{ name: 'scan.pdf', data: Buffer.from([0xFF, 0xD8, 0xFF, 0xE0]) }])
  assert.deepEqual([app.status, app.federation, app.account.holder, app.attachments[0].mediaType], ['pending', 'F13', 'ｶ)ｻｸﾗｸﾘﾆﾂｸ', 'image/jpeg'])
  assert.deepEqual([...await db.bankAttachment(F13, app.id, 1)], [0xFF, 0xD8, 0xFF, 0xE0])
  await assert.rejects(db.bankAttachment(F27, app.id, 1), (e) => e.code === 'not_authorized')
  const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => db.approveBankApplication(F13, app.id)))
  assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1)
  assert.ok(outcomes.filter((o) => o.status === 'rejected').every((o) => ['not_pending', 'conflict'].includes(o.reason.code)))
  const active = await db.activeAccounts(CLINIC, '1311234502')
  assert.deepEqual(active.map((a) => [a.usage, a.account.bank, a.application]), [['vaccination', '0005', app.id]])
  const mail = (await db.pendingNotifications(CENTRAL, 100)).filter((n) => n.kind.startsWith('bank_')).map((n) => [n.kind, n.recipient])
  assert.deepEqual(mail, [
    ['bank_account_applied', 'kouza@f13.example.jp'],
    ['bank_account_approved', 'admin@sakura.example.jp'],
    ['bank_account_approved', 'kouza@f13.example.jp']
  ])
})

test('federation links are version-checked and give the payment account', async () => {
  const db = await open(path())
  const link = await db.addFederationLink(F13, '0005', 'A1')
  assert.equal(link.version, '1')
  await assert.rejects(db.changeFederationLink(F13, '0005', 'A1', '4'), (e) => e.code === 'conflict')
  assert.equal(await db.paymentAccount(F13, '1311234502'), null)
  const app = await db.applyBankAccount(CLINIC, '1311234502', 'vaccination', account)
  await db.approveBankApplication(F13, app.id)
  const pay = await db.paymentAccount(F13, '1311234502')
  assert.deepEqual([pay.link.account, pay.federationAccount.values.number], ['A1', '1234567'])
})

test('a notice is mailed once at or after its time', async () => {
  const file = path()
  const at = (h, m) => new Date(Date.UTC(2026, 11, 4, h, m))
  const db = s.Sesshu.openSqlite(file, at(0, 0))
  const n = await db.createNotice(CENTRAL, { title: '保守のお知らせ', body: '停止します', targets: ['federation'], sendAt: at(1, 0), displayFrom: '2026-12-04', displayUntil: '2026-12-10' })
  assert.equal(n.status, 'scheduled')
  for (const [now, sent] of [[at(0, 59), []], [at(1, 0), [n.id]], [at(1, 5), []]]) {
    const got = await s.Sesshu.openSqlite(file, now).dispatchNotices(CENTRAL)
    assert.deepEqual(got.map((d) => d.notice), sent)
  }
  const later = s.Sesshu.openSqlite(file, at(2, 0))
  assert.deepEqual((await later.noticeBoard(F13)).map((b) => b.title), ['保守のお知らせ'])
  assert.deepEqual(await later.noticeBoard(CLINIC), [])
  await assert.rejects(later.cancelNotice(CENTRAL, n.id, '2'), (e) => e.code === 'notice_not_scheduled')
})
