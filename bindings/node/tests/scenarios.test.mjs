// Every shared scenario, through the Node API a vendor would call.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
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
  bank_account_application (g) {
    const book = new s.BankAccountBook(g.zengin ?? [])
    for (const i of g.institutions ?? []) book.addInstitution(i.code, i.federation)
    const draft = (a) => ({ accountClass: a.class, bank: a.bank, branch: a.branch, depositType: a.deposit_type, number: a.number, holder: a.holder })
    for (const [inst, usages] of Object.entries(g.active ?? {})) {
      for (const [usage, account] of Object.entries(usages)) book.setActive(inst, usage, draft(account))
    }
    const results = []
    for (const step of g.steps) {
      try {
        if (step.action === 'apply') book.apply(step.by, step.institution ?? step.by, step.id, step.usage, draft(step.account))
        else if (step.action === 'approve') book.approve(step.by, step.id)
        else if (step.action === 'reject') book.reject(step.by, step.id, step.reason ?? undefined, step.note ?? undefined)
        else if (step.action === 'delete') book.delete(step.by, step.id)
        else throw new Error(`unknown action ${step.action}`)
        results.push('ok')
      } catch (e) {
        if (!e.code) throw e
        results.push({ error: e.code })
      }
    }
    const active = {}
    for (const a of book.active()) {
      const x = a.account
      active[a.institution] ??= {}
      active[a.institution][a.usage] = { class: x.accountClass, bank: x.bank, branch: x.branch, deposit_type: x.depositType, number: x.number, holder: x.holder }
    }
    return {
      results,
      status: Object.fromEntries(book.applications().map((a) => [a.id, a.status])),
      active,
      notifications: book.notifications().map((n) => {
        const item = { to: n.to, event: n.event, application: n.application }
        if (n.reason != null) item.reason = n.reason
        return item
      })
    }
  }
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
    test(`${doc.rule}: ${c.name}`, () => {
      const run = rules[doc.rule]
      assert.ok(run, `unknown rule ${doc.rule}`)
      let actual
      try {
        actual = run(c.given)
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
