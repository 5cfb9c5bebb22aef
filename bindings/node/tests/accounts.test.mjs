// Accounts, tokens and the outbox through the Node API (issue 5).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { execFileSync, spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createHmac } from 'node:crypto'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const s = require('../index.js')
const NOW = new Date('2025-04-01T03:00:00Z')
const CENTRAL = { userId: 'central-0001', orgType: 'central', organisation: 'CENTRAL', roles: ['central'] }
const ADMIN = { userId: '131016-0000', orgType: 'municipality', organisation: '131016', roles: ['administrator'] }
const STAFF = { userId: '131016-0009', orgType: 'municipality', organisation: '131016', roles: ['municipality'] }
const GOOD = 'Sakura-Fuji-2025'
const open = (now = NOW) => s.Sesshu.openSqlite(join(mkdtempSync(join(tmpdir(), 'sesshu-')), 'a.db'), now)
const code = async (p) => { try { await p } catch (e) { return e.code } return 'resolved' }

// RFC 6238 over base 32, computed here independently.
function totp (secret, at) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = ''
  for (const c of secret) bits += alphabet.indexOf(c).toString(2).padStart(5, '0')
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)))
  const counter = Buffer.alloc(8)
  counter.writeBigInt64BE(BigInt(Math.floor(at.getTime() / 30000)))
  const mac = createHmac('sha1', key).update(counter).digest()
  const o = mac[mac.length - 1] & 15
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0')
}

test('account lifecycle', async () => {
  const db = open()
  assert.equal(await code(db.createUser(STAFF, 'a@example.jp', 'A', 'municipality')), 'not_authorized')
  const issued = await db.createUser(ADMIN, 'sato@example.jp', '佐藤 一郎', 'municipality')
  assert.equal(issued.userId, '131016-0001')
  assert.equal(issued.expiresAt.getTime(), NOW.getTime() + 72 * 3600 * 1000)
  assert.equal(await code(db.signIn(issued.userId, issued.temporaryPassword)), 'password_change_required')
  assert.equal(await code(db.activateAccount(issued.userId, issued.urlToken, issued.temporaryPassword, 'short')), 'password_rejected')
  await db.activateAccount(issued.userId, issued.urlToken, issued.temporaryPassword, GOOD)
  const me = await db.signIn(issued.userId, GOOD)
  assert.deepEqual([me.organisation, me.roles], ['131016', ['municipality']])
  assert.equal(await code(db.signIn('131016-9999', GOOD)), 'invalid_credentials')

  const [secret, uri] = await db.enrolTotp(me)
  assert.ok(uri.startsWith('otpauth://totp/sesshu:'))
  const recovery = await db.confirmTotp(me, totp(secret, NOW))
  assert.equal(recovery.length, 10)
  assert.equal(await code(db.signIn(issued.userId, GOOD)), 'second_factor_required')
  await db.signIn(issued.userId, GOOD, recovery[0])

  assert.deepEqual(await db.updateOwnAccount(me, { email: 'new@example.jp' }), ['email'])
  assert.deepEqual(await db.updateOwnAccount(me, { linkedAccounts: ['131016-0042'] }), ['linked_accounts'])
  const link = (await db.pendingNotifications(CENTRAL)).find((n) => n.kind === 'email_confirmation')
  await db.confirmEmail(issued.userId, link.secrets.link_token)
  assert.deepEqual(await db.updateUser(ADMIN, issued.userId, { state: 'suspended' }), ['state'])
  assert.equal(await code(db.signIn(issued.userId, GOOD, recovery[1])), 'account_suspended')

  const before = (await db.pendingNotifications(CENTRAL)).length
  await db.requestPasswordReset(issued.userId, 'other@example.jp')
  await db.remindUserIds('nobody@example.jp')
  assert.equal((await db.pendingNotifications(CENTRAL)).length, before)
  await db.remindUserIds('new@example.jp')
  const pending = await db.pendingNotifications(CENTRAL)
  assert.equal(pending.at(-1).payload.user_ids, issued.userId)
  await db.ackNotifications(CENTRAL, pending.map((n) => n.seq))
  assert.deepEqual(await db.pendingNotifications(CENTRAL), [])
})

test('batches and tokens', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sesshu-'))
  const db = s.Sesshu.openSqlite(join(dir, 'b.db'), NOW)
  const masters = JSON.stringify({ municipalities: [
    { code: '131016', issuance: 'target', delegation: 'approved', email: 'a@chiyoda.example.jp', admin_name: '管理者' },
    { code: '011002', issuance: 'target', delegation: 'approved', admin_name: '管理者' }] })
  assert.deepEqual(await db.extractFirstAdministrators(CENTRAL, masters), { issued: [['131016', '131016-0001']], rejected: [['011002', 'missing_email']] })
  assert.deepEqual((await db.extractFirstAdministrators(CENTRAL, masters)).issued, [])
  const later = s.Sesshu.openSqlite(join(dir, 'b.db'), new Date('2026-04-01T00:00:00Z'))
  assert.deepEqual(await later.inactivity(CENTRAL, '2026-04-01', true), { candidates: 1, changed: 1 })
  assert.deepEqual(await later.inactivity(CENTRAL, '2026-04-01', true), { candidates: 0, changed: 0 })

  const t = await db.issueToken(STAFF, 'municipality', '131016', '健康管理システム')
  assert.deepEqual((await db.verifyToken(t.token)).roles, ['municipality'])
  assert.equal(await code(db.verifyToken('sst_nope_nope')), 'invalid_token')
  const next = await db.rotateToken(STAFF, t.id)
  assert.equal((await db.verifyToken(next.token)).organisation, '131016')
  assert.equal(await db.revokeToken(STAFF, next.id), true)
  assert.equal(await db.revokeToken(STAFF, next.id), false)
  assert.equal(await code(db.verifyToken(next.token)), 'token_revoked')
})

test('certificates', async () => {
  const db = open()
  await db.putPersons('131016', 'clerk', [{ managementId: 'P1', subjectNumber: 'S1', name: '山田 花子', nameKana: 'ヤマダ ハナコ', birthDate: '1990-05-01', sex: 'female', residency: [{ municipality: '131016', from: '1990-05-01' }] }])
  await db.putRecords('131016', 'clerk', [
    { id: 'R1', managementId: 'P1', responsible: '131016', category: 'routine', vaccine: 'MR', doseNumber: 1, date: '2024-01-01', lot: 'AB12C' },
    { id: 'T1', managementId: 'P1', responsible: '131016', category: 'temporary', vaccine: 'COVID19', doseNumber: 3, date: '2024-02-01' }])
  const issuer = { municipalityName: '千代田区', head: '千代田区長　千代田　太郎' }
  const c = await db.issueCertificate('131016', 'clerk', 'P1', ['R1'], issuer)
  assert.deepEqual([c.certificateNumber, c.form], ['131016-2025-000001', 1])
  assert.ok(Buffer.isBuffer(c.pdf) && c.pdf.subarray(0, 5).toString() === '%PDF-' && c.pdf.length < 60000)
  assert.equal(await code(db.issueCertificate('131016', 'clerk', 'P1', ['T1'], { ...issuer, form: 3 })), 'travel_details_required')
  const t = await db.issueCertificate('131016', 'clerk', 'P1', ['T1'], { ...issuer, form: 3, passportNumber: 'TK1234567', nationality: 'JPN', nameRoman: 'YAMADA HANAKO', applicant: 'delegate', delegationChecked: true })
  assert.equal(t.form, 3)
  const register = await db.listIssuances('131016', 'auditor')
  assert.deepEqual(register.map((i) => i.certificateNumber), ['131016-2025-000001', '131016-2025-000002'])
  assert.equal(register[1].passportNumber, 'TK1234567')
  assert.deepEqual(await db.listIssuances('011002', 'auditor'), [])
  // Page by page: after the last certificate of the page before.
  const [first] = await db.listIssuances('131016', 'auditor', null, null, 1)
  assert.deepEqual((await db.listIssuances('131016', 'auditor', null, first.certificateNumber, 1)).map((i) => i.certificateNumber), ['131016-2025-000002'])
  // The register downloads as CSV, one line per certificate.
  const csv = (await db.exportIssuancesCsv('131016', 'auditor')).toString('utf8').replace(/^\uFEFF/, '').trim().split('\r\n')
  assert.ok(csv[0].startsWith('certificate_number,issue_date,management_id,records,form,'))
  assert.deepEqual(csv.slice(1).map((l) => l.split(',')[0]), ['131016-2025-000001', '131016-2025-000002'])
  assert.throws(() => db.exportIssuancesCsv('131016', 'auditor', null, 'latin1'), (e) => e.code === 'invalid_encoding')
})

test('portal certificates are signed and verify with pdfsig', async () => {
  const db = open()
  await db.putPersons('131016', 'clerk', [{ managementId: 'P1', subjectNumber: 'S1', name: '山田 花子', nameKana: 'ヤマダ ハナコ', birthDate: '1990-05-01', sex: 'female', residency: [{ municipality: '131016', from: '1990-05-01' }] }])
  await db.putRecords('131016', 'clerk', [{ id: 'R1', managementId: 'P1', responsible: '131016', category: 'routine', vaccine: 'MR', doseNumber: 1, date: '2024-01-01' }])
  const portal = { municipalityName: '千代田区', head: '千代田区長　千代田　太郎', channel: 'portal' }
  assert.equal(await code(db.issueCertificate('131016', 'clerk', 'P1', ['R1'], portal)), 'signer_required')
  const keys = mkdtempSync(join(tmpdir(), 'sesshu-signers-'))
  execFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../../scripts/throwaway-signer'), [keys])
  const pem = (name) => readFileSync(join(keys, name), 'utf8')
  assert.throws(() => db.withCertificateSigner(pem('ec.key'), pem('rsa.pem')), (e) => e.code === 'signing_key_mismatch')
  const signing = db.withCertificateSigner(pem('ec.key'), pem('ec.pem'))
  const c = await signing.issueCertificate('131016', 'clerk', 'P1', ['R1'], portal)
  const file = join(keys, 'signed.pdf')
  writeFileSync(file, c.pdf)
  assert.match(spawnSync('pdfsig', [file], { encoding: 'utf8' }).stdout, /Signature is Valid/)
  const tampered = Buffer.from(c.pdf)
  tampered[tampered.indexOf('stream\n') + 20] ^= 1
  writeFileSync(file, tampered)
  assert.doesNotMatch(spawnSync('pdfsig', [file], { encoding: 'utf8' }).stdout, /Signature is Valid/)
  const [entry] = await signing.listIssuances('131016', 'auditor')
  assert.equal(entry.signedBy, '千代田区長 (ec)')
})

test('administrators list their users; the operator registers connected institutions', async () => {
  const db = open()
  const first = await db.createUser(ADMIN, 'sato@example.jp', '佐藤 一郎', 'municipality')
  const second = await db.createUser(ADMIN, 'suzuki@example.jp', '鈴木 花子', 'administrator')
  await db.activateAccount(first.userId, first.urlToken, first.temporaryPassword, GOOD)
  await db.signIn(first.userId, GOOD)
  await db.updateUser(ADMIN, second.userId, { state: 'suspended' })
  const users = await db.listUsers(ADMIN)
  assert.deepEqual(users.map((u) => [u.userId, u.role, u.state]), [[first.userId, 'municipality', 'active'], [second.userId, 'administrator', 'suspended']])
  assert.equal(users[0].lastSignIn.getTime(), NOW.getTime())
  assert.equal(users[1].lastSignIn, undefined)
  assert.deepEqual((await db.listUsers(ADMIN, first.userId)).map((u) => u.userId), [second.userId])
  assert.deepEqual((await db.listUsers(ADMIN, null, 1)).map((u) => u.userId), [first.userId])
  assert.equal(await code(db.listUsers(STAFF)), 'not_authorized')

  await db.issueToken(STAFF, 'medical_institution', '0110113719', '窓口端末')
  await db.registerOrganisation(CENTRAL, 'medical_institution', '0110113719', true)
  assert.equal(await code(db.issueToken(STAFF, 'medical_institution', '0110113719', '窓口端末')), 'not_authorized')
  assert.equal(await code(db.registerOrganisation(ADMIN, 'medical_institution', '0110113719', false)), 'not_authorized')
  assert.throws(() => db.registerOrganisation(CENTRAL, 'hospital', '0110113719', true), (e) => e.code === 'invalid_org_type')
})
