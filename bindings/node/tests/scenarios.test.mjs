// Every shared scenario, through the Node API a vendor would call.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const s = require('../index.js')
const here = dirname(fileURLToPath(import.meta.url))
const dir = process.env.SESSHU_SCENARIOS ?? join(here, '..', '..', '..', '..', 'shared', 'scenarios')

// The library's own reading of timestamp text (an offset is required).
const ts = (v) => s.parseTimestamp(v)

const rules = {
  identifiers (g) {
    if (g.kind === 'gs1') {
      const e = s.parseGs1(g.value, g.today)
      return { gtin: e.gtin, expiry: e.expiry ?? null, lot: e.lot ?? null, serial: e.serial ?? null }
    }
    const parse = {
      municipality_code: s.parseMunicipalityCode,
      medical_institution_code: s.parseMedicalInstitutionCode,
      gtin: s.parseGtin,
      account_number: s.parseAccountNumber,
      account_holder_name: s.parseAccountHolderName,
      bank_code: s.parseBankCode,
      branch_code: s.parseBranchCode,
      passport_number: s.parsePassportNumber,
      nationality: s.parseNationality,
      name_roman: s.parseRomanName,
      roman_name: s.parseRomanName,
      email: s.parseEmail
    }[g.kind]
    if (!parse) throw new Error(`unknown kind ${g.kind}`)
    return { normalized: parse(g.value) }
  },
  wareki: (g) => ({ text: s.wareki(g.date) }),
  record_access (g) {
    const m = s.parseMunicipalityCode(g.municipality)
    const residency = g.residency.map((i) => ({ municipality: i.municipality, from: i.from, to: i.to ?? undefined }))
    const facts = g.records.map((r) => ({ responsible: r.municipality, category: r.category, erroneous: r.erroneous }))
    const answers = s.recordAccess(residency, m, g.date, facts)
    const out = { visible: [], certifiable: [], portal: [] }
    answers.forEach((a, i) => { for (const k of Object.keys(out)) if (a[k]) out[k].push(g.records[i].id) })
    return out
  },
  certificate_form (g) {
    const t = g.travel
    const travel = t ? { passportNumber: t.passport_number ?? '', nationality: t.nationality ?? '', nameRoman: t.name_roman ?? '' } : undefined
    const sel = s.selectForm(g.category, g.requested_form ?? undefined, travel)
    return {
      form: sel.form,
      travel: sel.travel ? { passport_number: sel.travel.passportNumber, nationality: sel.travel.nationality, name_roman: sel.travel.nameRoman } : null
    }
  },
  role_assignment (g) { s.checkRole(g.org_type, g.role); return { ok: true } },
  account_extraction (g) {
    const row = (r) => ({ code: r.code, issuance: r.issuance, delegation: r.delegation ?? undefined, union: r.union ?? undefined, email: r.email ?? undefined, adminName: r.admin_name ?? undefined })
    const out = s.extractFirstAdministrators({
      alreadyIssued: g.already_issued ?? [],
      medicalInstitutions: (g.medical_institutions ?? []).map(row),
      municipalities: (g.municipalities ?? []).map(row),
      unions: (g.unions ?? []).map(row),
      administrators: (g.administrators ?? []).map((a) => ({ orgCode: a.org_code, orgType: a.org_type, issuance: a.issuance, email: a.email ?? undefined, adminName: a.admin_name ?? undefined }))
    })
    return { issue: out.issue.map((a) => a.orgCode), rejected: out.rejected.map((r) => ({ code: r.code, error: r.error })) }
  },
  password_policy (g) {
    const p = g.policy
    const policy = {
      minLength: p.min_length, maxLength: p.max_length, requireLowercase: p.require_lowercase, requireUppercase: p.require_uppercase,
      requireDigit: p.require_digit, requireSymbol: p.require_symbol, forbidUserId: p.forbid_user_id, forbidEmail: p.forbid_email,
      rejectCommon: p.reject_common, historySize: p.history_size
    }
    const v = s.checkPassword(policy, g.user_id ?? '', g.email ?? '', g.password, g.history ?? [])
    return { ok: v.length === 0, violations: v }
  },
  inactivity_suspension (g) {
    const plan = s.inactivitySchedule(g.execution_date)
    const candidates = g.accounts
      .filter((a) => s.isInactivityCandidate(g.execution_date, a.status, ts(a.issued_at), a.last_login_at ? ts(a.last_login_at) : undefined))
      .map((a) => a.user_id)
    return { notice_date: plan.noticeDate, threshold: plan.threshold.toISOString(), candidates }
  },
  record_link_diff (g) {
    s.parseMunicipalityCode(g.municipality) // checked even with no records
    return {
      deliver: g.records
        .filter((r) => s.needsDelivery(g.municipality, r.municipality, ts(r.updated_at), r.delivered_at ? ts(r.delivered_at) : undefined))
        .map((r) => r.id)
    }
  },
  questionnaire_diff: (g) => ({ modified: s.modifiedItems(g.subject, g.institution) }),
  // Through the stored service, on a fresh SQLite store: the zengin master
  // loaded, the institutions and federations in the masters, the initial
  // accounts registered by the operator, then each step as the
  // institution's administrator or the federation's staff.
  async bank_account_application (g) {
    const db = s.Sesshu.openSqlite(join(mkdtempSync(join(tmpdir(), 'sesshu-bank-')), 'b.db'))
    const central = { userId: 'operator', orgType: 'central', organisation: 'CENTRAL', roles: ['central'] }
    const actor = (code) => /^\d{10}$/.test(code)
      ? { userId: code, orgType: 'medical_institution', organisation: code, roles: ['administrator'] }
      : { userId: code, orgType: 'federation', organisation: code, roles: ['federation'] }
    const zengin = 'bank_code,bank_name,bank_kana,branch_code,branch_name,branch_kana\n' +
      (g.zengin ?? []).map((z) => `${z.bank},銀行,ｷﾞﾝｺｳ,${z.branch},支店,ｼﾃﾝ\n`).join('')
    await db.zenginLoad(central, Buffer.from(zengin), 'scenario')
    const institutions = g.institutions ?? []
    for (const f of [...new Set(institutions.map((i) => i.federation))]) {
      const members = institutions.filter((i) => i.federation === f).map((i) => `${f},${i.code},2000-04-01\n`).join('')
      await db.importMasterCsv(actor(f), 'member_institutions', Buffer.from('federation,institution,valid_from\n' + members))
      await db.importMasterCsv(actor(f), 'federations', Buffer.from(`federation,name,email,valid_from\n${f},${f},${f.toLowerCase()}@example.jp,2000-04-01\n`))
    }
    for (const i of institutions) {
      const staff = { userId: i.code, orgType: 'medical_institution', organisation: i.code, roles: ['medical_staff'] }
      await db.importMasterCsv(staff, 'institutions', Buffer.from(`code,name,admin_email,valid_from\n${i.code},${i.code},a${i.code}@example.jp,2000-04-01\n`))
    }
    const draft = (a) => ({ accountClass: a.class, bank: a.bank, branch: a.branch, depositType: a.deposit_type, number: a.number, holder: a.holder })
    for (const [inst, usages] of Object.entries(g.active ?? {})) {
      for (const [usage, account] of Object.entries(usages)) await db.registerActiveAccount(central, inst, usage, draft(account))
    }
    const ids = new Map()
    const results = []
    for (const step of g.steps) {
      try {
        const by = actor(step.by)
        if (step.action === 'apply') {
          if (ids.has(step.id)) throw Object.assign(new Error('duplicate'), { code: 'duplicate_application' })
          const app = await db.applyBankAccount(by, step.institution ?? step.by, step.usage, draft(step.account))
          ids.set(step.id, app.id)
        } else if (!ids.has(step.id)) {
          throw Object.assign(new Error('unknown'), { code: 'unknown_application' })
        } else if (step.action === 'approve') await db.approveBankApplication(by, ids.get(step.id))
        else if (step.action === 'reject') await db.rejectBankApplication(by, ids.get(step.id), step.reason ?? undefined, step.note ?? undefined)
        else if (step.action === 'delete') await db.deleteBankApplication(by, ids.get(step.id))
        else throw new Error(`unknown action ${step.action}`)
        results.push('ok')
      } catch (e) {
        if (!e.code) throw e
        results.push({ error: e.code })
      }
    }
    const scenarioId = new Map([...ids].map(([mine, stored]) => [stored, mine]))
    const active = {}
    for (const i of institutions) {
      for (const a of await db.activeAccounts(actor(i.code), i.code)) {
        const x = a.account
        active[a.institution] ??= {}
        active[a.institution][a.usage] = { class: x.accountClass, bank: x.bank, branch: x.branch, deposit_type: x.depositType, number: x.number, holder: x.holder }
      }
    }
    const status = {}
    for (const [mine, stored] of ids) {
      const owner = await findOwner(db, institutions, actor, stored)
      status[mine] = (await db.bankApplication(actor(owner), stored)).status
    }
    const notifications = []
    for (const n of await db.pendingNotifications(central, 10000)) {
      const p = n.payload
      if (!p.application) continue
      const item = { to: p.organisation, event: p.event, application: scenarioId.get(p.application) ?? p.application }
      if (p.reason != null) item.reason = Number(p.reason)
      notifications.push(item)
    }
    return { results, status, active, notifications }
  }
}

// The institution that may read a stored application (its applicant).
async function findOwner (db, institutions, actor, stored) {
  for (const i of institutions) {
    if (await db.bankApplication(actor(i.code), stored).then(() => true, () => false)) return i.code
  }
  return institutions[0].code
}
const ORDERED = { bank_account_application: new Set(['results', 'notifications']) }

function canonical (v, ordered, keep = false) {
  if (Array.isArray(v)) {
    const items = v.map((i) => canonical(i, ordered))
    return keep ? items : items.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
  }
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, canonical(x, ordered, ordered.has(k))]))
  }
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) {
    const t = new Date(v)
    if (!Number.isNaN(t.getTime())) return t.toISOString()
  }
  return v
}

function files (d) {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(d, e.name)) : e.name.endsWith('.json') ? [join(d, e.name)] : [])
    .sort()
}

// The shared floor, then the project's own edge cases.
const project = join(here, '..', '..', '..', 'tests', 'scenarios')
let count = 0
for (const file of [...files(dir), ...files(project)]) {
  const doc = JSON.parse(readFileSync(file, 'utf8'))
  for (const c of doc.cases) {
    count++
    test(`${doc.rule}: ${c.name}`, async () => {
      const run = rules[doc.rule]
      assert.ok(run, `unknown rule ${doc.rule}`)
      let actual
      try {
        actual = await run(c.given)
      } catch (e) {
        assert.equal(typeof e.code, 'string', `not a sesshu error: ${e.stack}`)
        actual = { error: e.code }
      }
      const expected = c.expect
      const ordered = ORDERED[doc.rule] ?? new Set()
      if ('error' in expected || 'error' in actual) {
        assert.equal(actual.error, expected.error)
        return
      }
      for (const [k, v] of Object.entries(expected)) {
        assert.ok(k in actual, `missing ${k}`)
        assert.deepEqual(canonical(actual[k], ordered, ordered.has(k)), canonical(v, ordered, ordered.has(k)), k)
      }
    })
  }
}

test('the shared scenarios are there', () => assert.ok(count >= 100, `${count} cases`))

test('a GS1 expiry year takes its century from the reading date', () => {
  const label = '(01)04987123456784(17)770615'
  assert.equal(s.parseGs1(label, '2026-12-03').expiry, '1977-06-15')
  assert.equal(s.parseGs1(label, '2030-01-01').expiry, '2077-06-15')
  assert.throws(() => s.parseGs1(label, '2026-13-01'), (e) => e.code === 'invalid_date')
})
