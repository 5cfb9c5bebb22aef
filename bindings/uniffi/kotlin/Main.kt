// Every shared scenario, and a store round trip, through the Kotlin API
// an app would call (the generated uniffi bindings, on the JVM).
import com.google.gson.JsonArray
import com.google.gson.JsonElement
import com.google.gson.JsonNull
import com.google.gson.JsonObject
import com.google.gson.JsonParser
import java.io.File
import java.time.Instant
import uniffi.sesshu_uniffi.*

fun JsonObject.str(k: String): String = get(k).asString
fun JsonObject.opt(k: String): String? = get(k)?.takeUnless { it.isJsonNull }?.asString
fun JsonObject.arr(k: String): JsonArray = get(k)?.takeUnless { it.isJsonNull }?.asJsonArray ?: JsonArray()
// The library's own reading of timestamp text (an offset is required).
fun ts(s: String): Instant = parseTimestamp(s)

fun list(vararg items: Any?): List<Any?> = items.toList()

/** A rule's answer as plain values (maps, lists, strings, numbers, booleans, null). */
fun evaluate(rule: String, g: JsonObject): Any? = when (rule) {
    "identifiers" -> {
        val v = g.str("value")
        when (g.str("kind")) {
            "gs1" -> parseGs1(v, g.opt("today")).let { mapOf("gtin" to it.gtin, "expiry" to it.expiry, "lot" to it.lot, "serial" to it.serial) }
            "municipality_code" -> mapOf("normalized" to parseMunicipalityCode(v))
            "medical_institution_code" -> mapOf("normalized" to parseMedicalInstitutionCode(v))
            "gtin" -> mapOf("normalized" to parseGtin(v))
            "account_number" -> mapOf("normalized" to parseAccountNumber(v))
            "account_holder_name" -> mapOf("normalized" to parseAccountHolderName(v))
            "bank_code" -> mapOf("normalized" to parseBankCode(v))
            "branch_code" -> mapOf("normalized" to parseBranchCode(v))
            "passport_number" -> mapOf("normalized" to parsePassportNumber(v))
            "nationality" -> mapOf("normalized" to parseNationality(v))
            "name_roman", "roman_name" -> mapOf("normalized" to parseRomanName(v))
            "email" -> mapOf("normalized" to parseEmail(v))
            else -> throw IllegalArgumentException("unknown kind")
        }
    }
    "wareki" -> mapOf("text" to wareki(g.str("date")))
    "record_access" -> {
        val m = parseMunicipalityCode(g.str("municipality"))
        val residency = g.arr("residency").map { it.asJsonObject.let { i -> ResidencyInterval(i.str("municipality"), i.str("from"), i.opt("to")) } }
        val recs = g.arr("records").map { it.asJsonObject }
        val answers = recordAccess(residency, m, g.str("date"), recs.map { RecordFacts(it.str("municipality"), it.str("category"), it.get("erroneous").asBoolean) })
        val out = linkedMapOf("visible" to mutableListOf<String>(), "certifiable" to mutableListOf(), "portal" to mutableListOf())
        answers.forEachIndexed { i, a ->
            val id = recs[i].str("id")
            if (a.visible) out["visible"]!!.add(id)
            if (a.certifiable) out["certifiable"]!!.add(id)
            if (a.portal) out["portal"]!!.add(id)
        }
        out
    }
    "certificate_form" -> {
        val t = g.get("travel")?.takeUnless { it.isJsonNull }?.asJsonObject
        val travel = t?.let { TravelDetails(it.opt("passport_number") ?: "", it.opt("nationality") ?: "", it.opt("name_roman") ?: "") }
        val rf = g.get("requested_form")?.takeUnless { it.isJsonNull }?.asLong
        val s = selectForm(g.str("category"), rf, travel)
        mapOf("form" to s.form.toLong(), "travel" to s.travel?.let { mapOf("passport_number" to it.passportNumber, "nationality" to it.nationality, "name_roman" to it.nameRoman) })
    }
    "role_assignment" -> { checkRole(g.str("org_type"), g.str("role")); mapOf("ok" to true) }
    "account_extraction" -> {
        fun rows(k: String) = g.arr(k).map { it.asJsonObject.let { r -> OrganisationRow(r.str("code"), r.str("issuance"), r.opt("delegation"), r.opt("union"), r.opt("email"), r.opt("admin_name")) } }
        val out = extractFirstAdministrators(ExtractionInput(
            g.arr("already_issued").map { it.asString }, rows("medical_institutions"), rows("municipalities"), rows("unions"),
            g.arr("administrators").map { it.asJsonObject.let { a -> AdministratorRow(a.str("org_code"), a.str("org_type"), a.str("issuance"), a.opt("email"), a.opt("admin_name")) } }))
        mapOf("issue" to out.issue.map { it.orgCode }, "rejected" to out.rejected.map { mapOf("code" to it.code, "error" to it.error) })
    }
    "password_policy" -> {
        val p = g.getAsJsonObject("policy")
        fun b(k: String) = p.get(k)?.takeUnless { it.isJsonNull }?.asBoolean
        fun u(k: String) = p.get(k)?.takeUnless { it.isJsonNull }?.asLong?.toUInt()
        val policy = PasswordPolicy(u("min_length"), u("max_length"), b("require_lowercase"), b("require_uppercase"), b("require_digit"),
            b("require_symbol"), b("forbid_user_id"), b("forbid_email"), b("reject_common"), u("history_size"))
        val v = checkPassword(policy, g.opt("user_id") ?: "", g.opt("email") ?: "", g.str("password"), g.arr("history").map { it.asString })
        mapOf("ok" to v.isEmpty(), "violations" to v)
    }
    "inactivity_suspension" -> {
        val e = g.str("execution_date")
        val plan = inactivitySchedule(e)
        val c = g.arr("accounts").map { it.asJsonObject }.filter {
            isInactivityCandidate(e, it.str("status"), ts(it.str("issued_at")), it.opt("last_login_at")?.let(::ts))
        }.map { it.str("user_id") }
        mapOf("notice_date" to plan.noticeDate, "threshold" to plan.threshold.toString(), "candidates" to c)
    }
    "record_link_diff" -> mapOf("deliver" to g.arr("records").map { it.asJsonObject }.also {
        parseMunicipalityCode(g.str("municipality")) // checked even with no records
    }.filter {
        needsDelivery(g.str("municipality"), it.str("municipality"), ts(it.str("updated_at")), it.opt("delivered_at")?.let(::ts))
    }.map { it.str("id") })
    "questionnaire_diff" -> mapOf("modified" to modifiedItems(g.get("subject").toString(), g.get("institution").toString()))
    "bank_account_application" -> bankAccountApplication(g)
    else -> throw IllegalArgumentException("unknown rule $rule")
}

/** JSON to plain values, numbers as Long when whole. */
fun plain(e: JsonElement?): Any? = when {
    e == null || e is JsonNull -> null
    e.isJsonArray -> e.asJsonArray.map { plain(it) }
    e.isJsonObject -> e.asJsonObject.entrySet().associate { it.key to plain(it.value) }
    e.asJsonPrimitive.isBoolean -> e.asBoolean
    e.asJsonPrimitive.isNumber -> e.asDouble.let { if (it == Math.floor(it)) it.toLong() else it }
    else -> e.asString
}

fun canonical(v: Any?, ordered: Set<String>, keep: Boolean = false): Any? = when (v) {
    is List<*> -> v.map { canonical(it, ordered) }.let { if (keep) it else it.sortedBy { x -> x.toString() } }
    is Map<*, *> -> v.entries.associate { (k, x) -> k.toString() to canonical(x, ordered, k in ordered) }
    is String -> if (Regex("^\\d{4}-\\d{2}-\\d{2}T").containsMatchIn(v)) runCatching { ts(v).toString() }.getOrDefault(v) else v
    is Int -> v.toLong()
    else -> v
}

fun scenarios(dir: File): Pair<Int, List<String>> {
    var passed = 0
    val failures = mutableListOf<String>()
    dir.walkTopDown().filter { it.isFile && it.name.endsWith(".json") }.sorted().forEach { file ->
        val doc = JsonParser.parseString(file.readText()).asJsonObject
        val rule = doc.str("rule")
        val ordered = if (rule == "bank_account_application") setOf("results", "notifications") else emptySet()
        doc.getAsJsonArray("cases").forEach { c0 ->
            val c = c0.asJsonObject
            val name = "${file.name} :: ${c.opt("name")}"
            val expected = plain(c.get("expect")) as Map<*, *>
            val actual: Map<*, *> = try {
                evaluate(rule, c.getAsJsonObject("given")) as Map<*, *>
            } catch (e: SesshuException) {
                mapOf("error" to e.code)
            } catch (e: Exception) {
                failures += "$name: cannot run: $e"; return@forEach
            }
            val ok = if ("error" in expected || "error" in actual) {
                expected["error"] == actual["error"]
            } else {
                expected.all { (k, v) -> k in actual && canonical(actual[k], ordered, k in ordered) == canonical(v, ordered, k in ordered) }
            }
            if (ok) passed++ else failures += "$name: expected $expected, actual $actual"
        }
    }
    return passed to failures
}

fun check(cond: Boolean, what: String) { if (!cond) throw AssertionError(what) }

fun storeRoundTrip(dir: File) {
    check(parseTimestamp("2025-04-01T10:00:00.001+09:00") == Instant.parse("2025-04-01T01:00:00.001Z"), "parseTimestamp")
    for (text in listOf("2025-04-01T10:00:00", "2025-04-01", "yesterday")) {
        val e = runCatching { parseTimestamp(text) }.exceptionOrNull()
        check(e is SesshuException.Validation && e.code == "invalid_timestamp", "parseTimestamp($text): $e")
    }
    val now = Instant.parse("2025-04-01T03:00:00Z")
    val db = Sesshu.openSqlite(File(dir, "kotlin.db").path, now)
    fun person(id: String, name: String, kana: String) = Person(id, "S$id", name, kana, "1990-05-01", "female", "pmh-$id",
        listOf(ResidencyInterval("011002", "1990-05-01", "2020-04-01"), ResidencyInterval("131016", "2020-04-01", null)))
    fun record(id: String, pid: String, m: String, date: String) = Record(id, pid, m, "routine", "MR", 1L, date, null, null, false)
    check(db.putPersons("131016", "clerk", listOf(person("P1", "山田 花子", "やまだ はなこ"), person("P2", "髙橋 𠮷子", "タカハシ ヨシコ"))) == listOf("created", "created"), "put persons")
    db.putRecords("011002", "clerk", listOf(record("old", "P1", "011002", "2010-01-01")))
    db.putRecords("131016", "clerk", listOf(record("new", "P1", "131016", "2024-01-01"), record("r2", "P2", "131016", "2024-02-01")))
    for (dose in listOf(-1L, 0L, 100L)) {
        check(failure { db.putRecords("131016", "clerk", listOf(record("z", "P1", "131016", "2024-03-01").copy(doseNumber = dose))) } == "invalid_dose_number", "dose $dose")
    }
    for (bad in listOf("2024-3-1", "+2024-03-01", "2024/03/01")) {
        check(failure { db.putRecords("131016", "clerk", listOf(record("z", "P1", "131016", bad))) } == "invalid_date", "date $bad")
        check(failure { wareki(bad) } == "invalid_date", "wareki $bad")
    }
    // An import lands the good items and refuses each other in its place.
    val imported = db.importPersons("131016", "clerk", listOf(person("P3", "佐藤 一郎", "さとう いちろう"), person("bad id!", "x", "エックス")))
    check(imported.map { it.outcome ?: it.code } == listOf("created", "invalid_management_id"), "import persons: $imported")
    // A person without a history yet may be imported again, until a history names them.
    val bare = person("P9", "鈴木 次郎", "すずき じろう").copy(residency = emptyList())
    val outcomes = { m: String, p: Person -> db.importPersons(m, "clerk", listOf(p)).map { it.outcome ?: it.code } }
    check(outcomes("131016", bare) == listOf("created"), "bare person")
    check(outcomes("131016", bare) == listOf("unchanged"), "bare person again")
    check(outcomes("131016", person("P9", "鈴木 次郎", "すずき じろう")) == listOf("updated"), "given a history")
    check(outcomes("141003", person("P9", "鈴木 三郎", "すずき さぶろう")) == listOf("not_authorized"), "written elsewhere")
    val batch = listOf(record("i1", "P3", "131016", "2024-03-01"), record("i2", "P3", "131016", "2010-01-01"), record("i3", "P3", "131016", "2024-03-02").copy(doseNumber = 0L))
    check(db.importRecords("131016", "clerk", batch).map { it.outcome ?: it.code } == listOf("created", "responsible_mismatch", "invalid_dose_number"), "import records")
    check(db.importRecords("131016", "clerk", batch).map { it.outcome ?: it.code } == listOf("unchanged", "responsible_mismatch", "invalid_dose_number"), "import again")
    check(db.importRecords("141003", "clerk", batch.take(1)).map { it.outcome ?: it.code } == listOf("not_authorized"), "import elsewhere")
    // Dates are checked against the clock (2025-04-01 JST) and the person;
    // a record lands only where its municipality can see it.
    check(outcomes("131016", person("U1", "未来 太郎", "みらい たろう").copy(birthDate = "2025-04-02")) == listOf("birth_date_out_of_range"), "unborn")
    check(failure { db.putRecords("131016", "clerk", listOf(record("f1", "P3", "131016", "2025-04-02"))) } == "vaccination_date_in_future", "future")
    check(failure { db.putRecords("011002", "clerk", listOf(record("b1", "P3", "011002", "1990-04-30"))) } == "vaccination_before_birth", "before birth")
    check(failure { db.putPersons("131016", "clerk", listOf(person("P7", "山田\uFEFF花子", "やまだ はなこ"))) } == "invalid_name", "BOM in a name")
    check(parseGs1("(01)04987123456784(17)770615", "2026-12-03").expiry == "1977-06-15", "GS1 century, read in 2026")
    check(parseGs1("(01)04987123456784(17)770615", "2030-01-01").expiry == "2077-06-15", "GS1 century, read in 2030")
    // The log against a signed checkpoint.
    val logKey = generateLogKey()
    val checkpoint = db.logCheckpoint("131016", "auditor", logKey.privateKey)
    check(db.verifyLogWithCheckpoint("131016", "auditor", checkpoint, logKey.publicKey).firstBreak == null, "checkpoint verifies")
    check(failure { db.verifyLogWithCheckpoint("131016", "auditor", checkpoint, generateLogKey().publicKey) } == "checkpoint_signature_invalid", "another key")
    check(failure { db.logCheckpoint("131016", "auditor", "not a key") } == "invalid_log_key", "not a key")
    val homeless = person("P8", "田中 一", "たなか はじめ").copy(residency = emptyList())
    check(outcomes("131016", homeless) == listOf("created"), "person without history")
    check(failure { db.putRecords("131016", "clerk", listOf(record("n1", "P8", "131016", "2024-01-01"))) } == "never_resident", "never resident")
    // The persons file keeps the stored history; the residency file replaces it.
    val pair = { o: ImportOutcome -> o.outcome ?: o.code }
    check(db.importPersonDetails("131016", "clerk", listOf(person("Q1", "山田 春子", "やまだ はるこ"), person("bad id!", "x", "エックス"))).map(pair) == listOf("created", "invalid_management_id"), "person details")
    val chiyoda = listOf(ResidencyInterval("131016", "2020-04-01", null))
    val histories = listOf(PersonResidency("Q1", chiyoda), PersonResidency("Q404", chiyoda), PersonResidency("Q1", emptyList()), PersonResidency("bad id!", emptyList()))
    check(db.importResidency("131016", "clerk", histories).map(pair) == listOf("updated", "not_found", "duplicate", "invalid_management_id"), "residency file")
    check(db.importPersonDetails("131016", "clerk", listOf(person("Q1", "山田 夏子", "やまだ なつこ"))).map(pair) == listOf("updated"), "person details again")
    check(db.importResidency("141003", "clerk", listOf(PersonResidency("Q1", listOf(ResidencyInterval("131016", "2021-04-01", null))))).map(pair) == listOf("not_authorized"), "residency elsewhere")
    val rows = db.personRecords("131016", "clerk", "P1")
    check(rows.map { it.record.id to it.certifiable } == listOf("new" to true, "old" to false), "visibility: $rows")
    check(rows[0].person.nameKana == "ヤマダ ハナコ", "kana")
    check(rows[0].updatedAt == now, "updated at")
    val notFound = runCatching { db.personRecords("141003", "clerk", "P1") }.exceptionOrNull()
    check(notFound is SesshuException.NotFound && notFound.code == "not_found", "not found: $notFound")
    val opts = QueryOptions(null, null, null, null, null, null, null, null, null, null)
    val csv = db.exportRecordsCsv("131016", "clerk", opts)
    check(csv[0] == 0xEF.toByte() && String(csv, Charsets.UTF_8).contains("𠮷"), "csv")
    val sjis = runCatching { db.exportRecordsCsv("131016", "clerk", opts.copy(encoding = "shift_jis")) }.exceptionOrNull()
    check(sjis is SesshuException.Rule && sjis.code == "unencodable_character", "shift_jis: $sjis")
    for ((bad, code) in listOf(opts.copy(encoding = "latin1") to "invalid_encoding",
                               opts.copy(encoding = "shift_jis", replacement = "??") to "invalid_replacement")) {
        val e = runCatching { db.exportRecordsCsv("131016", "clerk", bad) }.exceptionOrNull()
        check(e is SesshuException && e.code == code, "$code: $e")
    }
    val pull = db.pullDelivery("131016", "system", 10000u)
    check(pull.records.map { it.record.id }.sorted() == listOf("i1", "new", "r2"), "pull")
    check(db.pullDelivery("131016", "system", 10000u).let { it.batchId == pull.batchId && it.redelivery }, "redelivery")
    check(db.ackDelivery("131016", "system", pull.batchId!!), "ack")
    check(!db.ackDelivery("131016", "system", pull.batchId!!), "ack twice")
    check(db.portalRecords("pmh-P1").map { it.id } == listOf("new", "old"), "portal")
    check(db.searchLog("131016", "auditor", "P1", null, null).any { it.action == "deliver_records" }, "log")
    // By period (at or after `from`, before `to`; every entry here is at `now`) and size.
    val second = now.plusSeconds(1)
    check(db.searchLog("131016", "auditor", "P1", null, LogOptions(second, null, null)).isEmpty(), "log from")
    check(db.searchLog("131016", "auditor", "P1", null, LogOptions(null, now, null)).isEmpty(), "log to")
    check(db.searchLog("131016", "auditor", "P1", null, LogOptions(now, second, null)).all { it.at == now }, "log period")
    check(db.searchLog("131016", "auditor", "P1", null, LogOptions(null, null, 1u)).size == 1, "log limit")
    // Paging (after the last entry of the page before) and the download.
    val firstTwo = db.searchLog("131016", "auditor", null, null, LogOptions(null, second, 2u))
    val after = db.searchLog("131016", "auditor", null, null, LogOptions(null, second, null, after = firstTwo.last().seq))
    check(firstTwo.size == 2 && after.all { it.seq.toLong() > firstTwo.last().seq.toLong() }, "log paging")
    val csvLog = String(db.exportLogCsv("131016", "auditor", "P1", null, null), Charsets.UTF_8).removePrefix("\uFEFF").trim().split("\r\n")
    check(csvLog[0] == "seq,at,actor,organisation,action,subject,record_ids", "log csv header")
    check(csvLog.size > 2 && csvLog.drop(1).all { it.contains(",P1,") }, "log csv rows: $csvLog")
    check(failure { db.exportLogCsv("131016", "auditor", null, null, LogOptions(null, null, null, encoding = "latin1")) } == "invalid_encoding", "log csv encoding")
    check(db.verifyLog("131016", "auditor").firstBreak == null, "verify")
}

fun failure(block: () -> Unit): String? = (runCatching(block).exceptionOrNull() as? SesshuException)?.code

/** The stable code of a refusal, whatever its kind. */
val SesshuException.code: String
    get() = when (this) {
        is SesshuException.Validation -> code
        is SesshuException.Rule -> code
        is SesshuException.NotFound -> code
        is SesshuException.NotAuthorized -> code
        is SesshuException.Conflict -> code
        is SesshuException.Storage -> code
    }

/** RFC 6238 over base 32, computed here independently of the library. */
fun totp(secret: String, at: Instant): String {
    val bits = secret.map { "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".indexOf(it).toString(2).padStart(5, '0') }.joinToString("")
    val key = bits.chunked(8).filter { it.length == 8 }.map { it.toInt(2).toByte() }.toByteArray()
    val mac = javax.crypto.Mac.getInstance("HmacSHA1").apply { init(javax.crypto.spec.SecretKeySpec(key, "HmacSHA1")) }
        .doFinal(java.nio.ByteBuffer.allocate(8).putLong(at.epochSecond / 30).array())
    val o = mac.last().toInt() and 15
    val n = java.nio.ByteBuffer.wrap(mac, o, 4).int and 0x7fffffff
    return (n % 1_000_000).toString().padStart(6, '0')
}

fun accountsRoundTrip(dir: File) {
    val now = Instant.parse("2025-04-01T03:00:00Z")
    val db = Sesshu.openSqlite(File(dir, "accounts.db").path, now)
    val central = Actor("central-0001", "central", "CENTRAL", listOf("central"))
    val admin = Actor("131016-0000", "municipality", "131016", listOf("administrator"))
    val staff = Actor("131016-0009", "municipality", "131016", listOf("municipality"))
    val good = "Sakura-Fuji-2025"
    check(failure { db.createUser(staff, "a@example.jp", "A", "municipality") } == "not_authorized", "create by staff")
    val issued = db.createUser(admin, "sato@example.jp", "佐藤 一郎", "municipality")
    check(issued.userId == "131016-0001", "user id")
    check(failure { db.signIn(issued.userId, issued.temporaryPassword, null) } == "password_change_required", "temporary")
    db.activateAccount(issued.userId, issued.urlToken, issued.temporaryPassword, good)
    val me = db.signIn(issued.userId, good, null)
    check(me.roles == listOf("municipality"), "roles")
    check(failure { db.signIn("131016-9999", good, null) } == "invalid_credentials", "unknown user")
    val (secret, uri) = db.enrolTotp(me)
    check(uri.startsWith("otpauth://totp/sesshu:"), "uri")
    val recovery = db.confirmTotp(me, totp(secret, now))
    check(recovery.size == 10, "recovery codes")
    check(failure { db.signIn(issued.userId, good, null) } == "second_factor_required", "second factor")
    db.signIn(issued.userId, good, recovery[0])
    check(db.updateOwnAccount(me, null, "new@example.jp", null, null, null) == listOf("email"), "own changes")
    check(db.updateOwnAccount(me, null, null, listOf("131016-0042"), null, null) == listOf("linked_accounts"), "linked accounts")
    val link = db.pendingNotifications(central, 100u).first { it.kind == "email_confirmation" }
    db.confirmEmail(issued.userId, link.secrets.getValue("link_token"))
    check(db.updateUser(admin, issued.userId, null, null, "suspended") == listOf("state"), "admin changes")
    check(failure { db.signIn(issued.userId, good, recovery[1]) } == "account_suspended", "suspended")
    db.requestPasswordReset(issued.userId, "other@example.jp")
    db.remindUserIds("new@example.jp")
    val pending = db.pendingNotifications(central, 100u)
    check(pending.last().payload["user_ids"] == issued.userId, "reminder")
    check(failure { db.ackNotifications(central, listOf("seven")) } == "invalid_seq", "seq text")
    db.ackNotifications(central, pending.map { it.seq })
    check(db.pendingNotifications(central, 100u).isEmpty(), "ack")
    val masters = """{"municipalities": [{"code": "011002", "issuance": "target", "delegation": "approved", "email": "a@sapporo.example.jp", "admin_name": "管理者"}]}"""
    check(db.extractFirstAdministrators(central, masters).issued == listOf(listOf("011002", "011002-0001")), "extraction")
    check(db.extractFirstAdministrators(central, masters).issued.isEmpty(), "extraction rerun")
    val later = Sesshu.openSqlite(File(dir, "accounts.db").path, Instant.parse("2026-04-01T00:00:00Z"))
    check(later.inactivity(central, "2026-04-01", false) == listOf(1uL, 1uL), "inactivity notice")
    val t = db.issueToken(staff, "municipality", "131016", "健康管理システム", null)
    check(db.verifyToken(t.token).organisation == "131016", "verify token")
    val next = db.rotateToken(staff, t.id)
    check(db.revokeToken(staff, next.id) && !db.revokeToken(staff, next.id), "revoke")
    check(failure { db.verifyToken(next.token) } == "token_revoked", "revoked token")

    // Administrators list their users; the operator registers connected institutions.
    val users = db.listUsers(admin, null, 100u)
    check(users.map { it.userId to it.state } == listOf(issued.userId to "suspended"), "users: $users")
    check(users[0].email == "new@example.jp" && users[0].lastSignIn == now, "user details: ${users[0]}")
    check(db.listUsers(admin, issued.userId, 100u).isEmpty(), "after the last user")
    check(failure { db.listUsers(staff, null, 100u) } == "not_authorized", "staff may not list users")
    db.issueToken(staff, "medical_institution", "0110113719", "窓口端末", null)
    db.registerOrganisation(central, "medical_institution", "0110113719", true)
    check(failure { db.issueToken(staff, "medical_institution", "0110113719", "窓口端末", null) } == "not_authorized", "connected institution")
    check(failure { db.registerOrganisation(central, "hospital", "0110113719", true) } == "invalid_org_type", "org type")
}

fun certificatesRoundTrip(dir: File) {
    val db = Sesshu.openSqlite(File(dir, "certificates.db").path, Instant.parse("2025-04-01T03:00:00Z"))
    db.putPersons("131016", "clerk", listOf(Person("P1", "S1", "山田 花子", "ヤマダ ハナコ", "1990-05-01", "female", null,
        listOf(ResidencyInterval("131016", "1990-05-01", null)))))
    db.putRecords("131016", "clerk", listOf(Record("R1", "P1", "131016", "routine", "MR", 1L, "2024-01-01", "AB12C", null, false)))
    // Only the municipality's name and head are required; the rest default to absent.
    val options = CertificateOptions(municipalityName = "千代田区", head = "千代田区長　千代田　太郎")
    check(options.applicant == null && options.delegationChecked == null && options.channel == null, "options default to absent")
    val c = db.issueCertificate("131016", "clerk", "P1", listOf("R1"), options)
    check(c.certificateNumber == "131016-2025-000001" && c.form.toInt() == 1, "certificate: ${c.certificateNumber}")
    check(String(c.pdf.copyOfRange(0, 5), Charsets.US_ASCII) == "%PDF-" && c.pdf.size < 60_000, "pdf")
    check(failure { db.issueCertificate("131016", "clerk", "P1", listOf("R1"), options.copy(name = "𠮷田 花子")) } == "unprintable_character", "unprintable")
    check(db.listIssuances("131016", "auditor", null, null, null).map { it.certificateNumber } == listOf("131016-2025-000001"), "register")
    check(db.listIssuances("131016", "auditor", null, "131016-2025-000001", 10u).isEmpty(), "register after the last")
    val registerCsv = String(db.exportIssuancesCsv("131016", "auditor", null, null, null), Charsets.UTF_8).removePrefix("\uFEFF").trim().split("\r\n")
    check(registerCsv.size == 2 && registerCsv[1].startsWith("131016-2025-000001,"), "register csv: $registerCsv")

    // The portal's certificate is signed (PAdES) and poppler's pdfsig verifies it.
    val portal = options.copy(channel = "portal")
    check(failure { db.issueCertificate("131016", "clerk", "P1", listOf("R1"), portal) } == "signer_required", "signer required")
    val keys = File(dir, "signers")
    val script = File("scripts/throwaway-signer") // run from the repository root (scripts/test)
    check(ProcessBuilder(script.path, keys.path).inheritIO().start().waitFor() == 0, "throwaway signer")
    val pem = { name: String -> File(keys, name).readText() }
    check(failure { db.withCertificateSigner(pem("rsa.key"), pem("ec.pem")) } == "signing_key_mismatch", "key mismatch")
    val signing = db.withCertificateSigner(pem("rsa.key"), pem("rsa.pem"))
    val signed = signing.issueCertificate("131016", "clerk", "P1", listOf("R1"), portal)
    val file = File(dir, "signed.pdf")
    file.writeBytes(signed.pdf)
    val pdfsig = { ProcessBuilder("pdfsig", file.path).start().inputStream.bufferedReader().readText() }
    check(pdfsig().contains("Signature is Valid"), "pdfsig valid")
    val tampered = signed.pdf.copyOf()
    val at = String(tampered, Charsets.ISO_8859_1).indexOf("stream\n") + 20
    tampered[at] = (tampered[at].toInt() xor 1).toByte()
    file.writeBytes(tampered)
    check(!pdfsig().contains("Signature is Valid"), "pdfsig invalid after tampering")
    check(signing.listIssuances("131016", "auditor", null, null, null).last().signedBy == "千代田区長 (rsa)", "signed by")
}

fun questionnairesRoundTrip(dir: File) {
    val db = Sesshu.openSqlite(File(dir, "questionnaires.db").path, Instant.parse("2025-04-01T03:00:00Z"))
    db.putPersons("131016", "clerk", listOf(Person("P1", "S1", "山田 花子", "ヤマダ ハナコ", "1990-05-01", "female", null,
        listOf(ResidencyInterval("011002", "1990-05-01", "2020-04-01"), ResidencyInterval("131016", "2020-04-01", null)))))
    db.putRecords("131016", "clerk", listOf(Record("R1", "P1", "131016", "routine", "MR", 1L, "2024-01-01", null, "0110113719", false)))
    val doctor = Actor("dr-sato", "medical_institution", "0110113719", listOf("doctor"))
    val subject = """{"fever": false, "temperature": 36.5, "allergies": ["egg", "milk"], "note": "なし", "blank": null}"""
    val institution = """{"fever": false, "temperature": 36.8, "allergies": ["milk", "egg"], "doctor": "佐藤"}"""
    check(failure { db.questionnaire("131016", "clerk", "R1") } == "not_found", "no answers yet")
    check(db.putQuestionnaire(doctor, "R1", subject, institution) == "created", "created")
    check(db.putQuestionnaire(doctor, "R1", subject, institution) == "unchanged", "unchanged")
    val q = db.questionnaire("131016", "clerk", "R1")
    check(q.record == "R1" && q.modified == listOf("doctor", "note", "temperature"), "modified: ${q.modified}")
    val read = JsonParser.parseString(q.institutionJson).asJsonObject
    check(read.get("temperature").asBigDecimal == java.math.BigDecimal("36.8") && read.str("doctor") == "佐藤", "institution: $read")
    check(!JsonParser.parseString(q.subjectJson).asJsonObject.has("blank"), "a null answer is no answer")
    check(failure { db.questionnaire("011002", "clerk", "R1") } == "not_found", "former municipality, not its record")
    val other = doctor.copy(userId = "dr-x", organisation = "1310000003")
    check(failure { db.putQuestionnaire(other, "R1", subject, institution) } == "not_authorized", "another institution")
    check(failure { db.putQuestionnaire(doctor, "R1", "[1]", institution) } == "invalid_answer", "not an object")
    check(failure { db.putQuestionnaire(doctor, "bad id!", subject, institution) } == "invalid_record_id", "bad id")
    check(db.searchLog("131016", "auditor", "P1", null, null).count { it.action == "write_questionnaire" } == 1, "logged")

    // The list and the download follow the record (SPEC §3).
    val none = QueryOptions(null, null, null, null, null, null, null, null, null, null)
    val page = db.queryQuestionnaires("131016", "clerk", none)
    check(page.rows.map { it.record.id to it.person.managementId } == listOf("R1" to "P1") && page.next == null, "list: $page")
    check(page.rows[0].answers.modified == listOf("doctor", "note", "temperature"), "list modified")
    check(db.queryQuestionnaires("141003", "clerk", none).rows.isEmpty(), "a stranger lists nothing")
    val csv = String(db.exportQuestionnairesCsv("131016", "clerk", none), Charsets.UTF_8).removePrefix("\uFEFF").lines().filter { it.isNotEmpty() }
    check(csv.contains("S1,P1,山田 花子,ヤマダ ハナコ,R1,MR,2024-01-01,temperature,36.8,36.5,true"), "csv: $csv")
    check(csv.size == 1 + 5, "csv lines: ${csv.size}")
    check(failure { db.exportQuestionnairesCsv("131016", "clerk", none.copy(encoding = "latin1")) } == "invalid_encoding", "encoding")
}

fun exportsRoundTrip(dir: File) {
    // A name typed on a Mac and full-width signs NFKC folds: Excel for Japan
    // (windows-31j) reads each back as its twin; a formula is written as text.
    val db = Sesshu.openSqlite(File(dir, "kotlin.db").path, Instant.parse("2025-04-01T03:00:00Z"))
    db.putPersons("131016", "clerk", listOf(Person("P1", "SP1", "山田〜‖—￢￠￡￥ 花子", "やまだ はなこ", "1990-05-01", "female", "pmh-P1",
        listOf(ResidencyInterval("131016", "1990-05-01", null)))))
    db.putRecords("131016", "clerk", listOf(Record("r1", "P1", "131016", "routine", "MR", 1L, "2024-01-01", "=HYPERLINK(1)", null, false)))
    val opts = QueryOptions(null, null, null, null, null, null, null, null, "shift_jis", null)
    val text = String(db.exportRecordsCsv("131016", "clerk", opts), charset("windows-31j"))
    check(text.contains("山田～∥―￢￠￡￥ 花子"), "windows-31j: $text")
    check(text.contains(",'=HYPERLINK(1),"), "formula: $text")
}

fun mastersRoundTrip(dir: File) {
    val db = Sesshu.openSqlite(File(dir, "m.db").path, null)
    val mhlw = Actor("mhlw-1", "mhlw", "MHLW", listOf("mhlw"))
    val central = Actor("op-1", "central", "CENTRAL", listOf("central"))
    val chiyoda = Actor("clerk", "municipality", "131016", listOf("municipality"))
    val v = masterKinds().first { it.name == "vaccine_types" }
    check(v.label == "ワクチン種別マスタ" && v.owner == "mhlw" && v.key == listOf("code"), "master kinds: $v")
    val vaccines = ("code,name,name_en,valid_from,valid_to\n" +
        "MR,麻しん風しん混合,Measles-Rubella,2006-04-01,\n" +
        "DPT,ジフテリア・百日せき・破傷風,,1981-04-01,2012-11-01\n" +
        "BAD CODE,x,,2000-01-01,\n").toByteArray()
    check(failure { db.importMasterCsv(chiyoda, "vaccine_types", vaccines, null, false) } == "not_authorized", "owner only")
    val dry = db.importMasterCsv(mhlw, "vaccine_types", vaccines, null, true)
    check(dry.dryRun && dry.created == 2L && dry.errors.map { Triple(it.row, it.column, it.code) } == listOf(Triple(3L, "code", "invalid_master_value")), "dry run: $dry")
    check(db.masterRows(mhlw, "vaccine_types").isEmpty(), "a dry run writes nothing")
    check(db.importMasterCsv(mhlw, "vaccine_types", vaccines, null, false).created == 2L, "upload")
    val again = db.importMasterCsv(mhlw, "vaccine_types", vaccines, null, false)
    check(again.created == 0L && again.updated == 0L && again.unchanged == 2L, "the same file twice: $again")
    check(db.masterRowAsOf(mhlw, "vaccine_types", listOf("MR"), "2024-01-01")?.values?.get("name_en") == "Measles-Rubella", "as of")
    check(db.masterRowAsOf(mhlw, "vaccine_types", listOf("DPT"), "2013-01-01") == null, "ended")
    for (encoding in listOf("utf8", "shift_jis")) {
        val file = db.exportMasterCsv(mhlw, "vaccine_types", encoding, null)
        val back = db.importMasterCsv(mhlw, "vaccine_types", file, encoding, false)
        check(back.unchanged == 2L && back.errors.isEmpty(), "download uploads back ($encoding): $back")
    }
    // The zengin code-check master: the shipped snapshot, a second file, a
    // broken third refused, rollback.
    check(failure { db.zenginCheck("0001", "001") } == "unknown_bank_code", "nothing loaded")
    val snapshot = File("data/zengin").listFiles()!!.first { it.name.endsWith(".csv") }
    val first = db.zenginLoad(central, snapshot.readBytes(), snapshot.name, null)
    check(first.changed && first.current?.banks == 1146L && first.backup == null, "zengin load: $first")
    db.zenginCheck("0001", "001")
    db.checkBankAccount(BankAccountDraft("registered", "0001", "001", "ordinary", "1234567", "ﾔﾏﾀﾞ ﾀﾛｳ"))
    check(failure { db.checkBankAccount(BankAccountDraft("registered", "9998", "001", "ordinary", "1234567", "ﾔﾏﾀﾞ ﾀﾛｳ")) } == "unknown_bank_code", "an account at an unreal bank")
    check(failure { db.zenginCheck("0001", "999") } == "unknown_branch_code", "unknown branch")
    val head = "bank_code,bank_name,bank_kana,branch_code,branch_name,branch_kana\n"
    val second = db.zenginLoad(central, (head + "0001,x,X,999,y,Y\n").toByteArray(), "second.csv", null)
    check(second.backup?.generation == first.current?.generation, "the first is the backup")
    check(failure { db.zenginLoad(central, (head + "12,x,X,999,y,Y\n").toByteArray(), "broken.csv", null) } == "zengin_file_refused", "broken file")
    check(db.zenginStatus().current?.generation == second.current?.generation, "a refused file changes nothing")
    check(db.zenginRollback(central).current?.sha256 == first.current?.sha256, "rollback")
    db.zenginCheck("0001", "001")
    check(failure { db.zenginRollback(chiyoda) } == "not_authorized", "operator only")
    // A vial label through the GTIN master.
    db.importMasterCsv(mhlw, "gtin_codes", "gtin,vaccine_type,product,valid_from\n4987123456784,MR,ミールビック,2020-04-01\n".toByteArray(), null, false)
    val label = "(01)04987123456784(17)260331(10)AB12C"
    val vial = db.resolveVialLabel(label, "2026-03-01")
    check(vial.vaccineType == "MR" && vial.lot == "AB12C" && vial.expiry == "2026-03-31", "vial: $vial")
    check(failure { db.resolveVialLabel(label, "2026-04-01") } == "lot_expired", "expired lot")
    // A day's files received twice; the differences sent until acknowledged.
    val files = mapOf(
        "H_087-005_20261201.csv" to "code,name,valid_from\n131016,千代田区,2000-01-01\n".toByteArray(),
        "notes.txt" to "x".toByteArray())
    check(failure { db.receiveMasters(chiyoda, files) } == "not_authorized", "receipt by the operator only")
    val got = db.receiveMasters(central, files).associateBy { it.name }
    check(got["H_087-005_20261201.csv"]?.report?.created == 1L && got["notes.txt"]?.outcome == "ignored", "received: $got")
    check(db.receiveMasters(central, files).all { (it.report?.created ?: 0L) + (it.report?.updated ?: 0L) == 0L }, "the same day twice")
    val late = db.receiveMasters(central, mapOf("H_087-005_20261130.csv" to files.getValue("H_087-005_20261201.csv")))
    check(late[0].outcome == "superseded" && late[0].latest == "2026-12-01", "a missed day replayed: $late")
    val d = db.pullMasterDiff(central, "collective_contract", 10000u)!!
    check(!d.redelivery && db.pullMasterDiff(central, "collective_contract", 10000u)?.redelivery == true, "re-delivered")
    check(db.ackMasterDiff(central, d.batch) && !db.ackMasterDiff(central, d.batch), "acknowledged once")
}

/**
 * The bank-account scenario through the stored service, on a fresh SQLite
 * store: the zengin master loaded, the institutions and federations in the
 * masters, the initial accounts registered by the operator, then each step
 * as the institution's administrator or the federation's staff.
 */
fun bankAccountApplication(g: JsonObject): Map<String, Any?> {
    val dir = kotlin.io.path.createTempDirectory("sesshu-bank").toFile()
    val db = Sesshu.openSqlite(File(dir, "b.db").path, null)
    val central = Actor("operator", "central", "CENTRAL", listOf("central"))
    fun actor(code: String) = if (Regex("^\\d{10}$").matches(code))
        Actor(code, "medical_institution", code, listOf("administrator")) else Actor(code, "federation", code, listOf("federation"))
    val zengin = "bank_code,bank_name,bank_kana,branch_code,branch_name,branch_kana\n" +
        g.arr("zengin").joinToString("") { it.asJsonObject.let { z -> "${z.str("bank")},銀行,ｷﾞﾝｺｳ,${z.str("branch")},支店,ｼﾃﾝ\n" } }
    db.zenginLoad(central, zengin.toByteArray(), "scenario", null)
    val institutions = g.arr("institutions").map { it.asJsonObject }
    institutions.map { it.str("federation") }.distinct().forEach { f ->
        val members = institutions.filter { it.str("federation") == f }.joinToString("") { "$f,${it.str("code")},2000-04-01\n" }
        db.importMasterCsv(actor(f), "member_institutions", ("federation,institution,valid_from\n" + members).toByteArray(), null, false)
        db.importMasterCsv(actor(f), "federations", "federation,name,email,valid_from\n$f,$f,${f.lowercase()}@example.jp,2000-04-01\n".toByteArray(), null, false)
    }
    institutions.forEach { i ->
        val c = i.str("code")
        db.importMasterCsv(Actor(c, "medical_institution", c, listOf("medical_staff")), "institutions",
            "code,name,admin_email,valid_from\n$c,$c,a$c@example.jp,2000-04-01\n".toByteArray(), null, false)
    }
    fun draft(a: JsonObject) = BankAccountDraft(a.str("class"), a.str("bank"), a.str("branch"), a.str("deposit_type"), a.str("number"), a.str("holder"))
    g.get("active")?.takeUnless { it.isJsonNull }?.asJsonObject?.entrySet()?.forEach { (inst, usages) ->
        usages.asJsonObject.entrySet().forEach { (usage, account) -> db.registerActiveAccount(central, inst, usage, draft(account.asJsonObject)) }
    }
    val ids = linkedMapOf<String, String>()
    val results = g.arr("steps").map { it.asJsonObject }.map { s ->
        try {
            val by = actor(s.str("by"))
            val id = s.str("id")
            when {
                s.str("action") == "apply" -> if (id in ids) throw IllegalStateException("duplicate_application") else
                    ids[id] = db.applyBankAccount(by, s.opt("institution") ?: s.str("by"), s.str("usage"), draft(s.getAsJsonObject("account")), listOf()).id
                id !in ids -> throw IllegalStateException("unknown_application")
                s.str("action") == "approve" -> db.approveBankApplication(by, ids.getValue(id))
                s.str("action") == "reject" -> db.rejectBankApplication(by, ids.getValue(id), s.get("reason")?.takeUnless { it.isJsonNull }?.asLong, s.opt("note"))
                s.str("action") == "delete" -> db.deleteBankApplication(by, ids.getValue(id))
                else -> throw IllegalArgumentException("unknown action")
            }
            "ok"
        } catch (e: SesshuException) { mapOf("error" to e.code) } catch (e: IllegalStateException) { mapOf("error" to e.message) }
    }
    val scenarioId = ids.entries.associate { (mine, stored) -> stored to mine }
    val active = linkedMapOf<String, MutableMap<String, Any?>>()
    institutions.forEach { i ->
        db.activeAccounts(actor(i.str("code")), i.str("code")).forEach { a ->
            val x = a.account
            active.getOrPut(a.institution) { linkedMapOf() }[a.usage] = mapOf("class" to x.accountClass, "bank" to x.bank, "branch" to x.branch,
                "deposit_type" to x.depositType, "number" to x.number, "holder" to x.holder)
        }
    }
    val status = ids.entries.associate { (mine, stored) ->
        mine to institutions.firstNotNullOf { i -> runCatching { db.bankApplication(actor(i.str("code")), stored).status }.getOrNull() }
    }
    val notifications = db.pendingNotifications(central, 10000u).mapNotNull { n ->
        val p = n.payload
        val app = p["application"] ?: return@mapNotNull null
        val m = linkedMapOf<String, Any?>("to" to p["organisation"], "event" to p["event"], "application" to (scenarioId[app] ?: app))
        p["reason"]?.let { m["reason"] = it.toLong() }
        m
    }
    return mapOf("results" to results, "status" to status, "active" to active, "notifications" to notifications)
}

fun bankAccountsRoundTrip(dir: File) {
    val db = Sesshu.openSqlite(File(dir, "b.db").path, null)
    val central = Actor("op-1", "central", "CENTRAL", listOf("central"))
    val clinic = Actor("c-1", "medical_institution", "1311234502", listOf("administrator"))
    val staff = Actor("c-2", "medical_institution", "1311234502", listOf("medical_staff"))
    val f13 = Actor("f-1", "federation", "F13", listOf("federation"))
    val f27 = Actor("f-2", "federation", "F27", listOf("federation"))
    db.zenginLoad(central, "bank_code,bank_name,bank_kana,branch_code,branch_name,branch_kana\n0005,三菱,ﾐﾂﾋﾞｼ,123,新宿,ｼﾝｼﾞﾕｸ\n0009,三井住友,ﾐﾂｲ,100,本店,ﾎﾝﾃﾝ\n".toByteArray(), "z.csv", null)
    db.importMasterCsv(f13, "member_institutions", "federation,institution,valid_from\nF13,1311234502,2020-04-01\n".toByteArray(), null, false)
    db.importMasterCsv(f13, "federations", "federation,name,email,valid_from\nF13,東京都国保連,kouza@f13.example.jp,2020-04-01\n".toByteArray(), null, false)
    db.importMasterCsv(f13, "federation_accounts", "federation,account,bank,branch,deposit_type,number,holder,valid_from\nF13,A1,0009,100,ordinary,1234567,ﾄｳｷﾖｳ,2020-04-01\n".toByteArray(), null, false)
    db.importMasterCsv(staff, "institutions", "code,name,admin_email,valid_from\n1311234502,さくら,admin@sakura.example.jp,2020-04-01\n".toByteArray(), null, false)
    val account = BankAccountDraft("registered", "0005", "123", "ordinary", "7654321", "カ）サクラクリニック")
    check(failure { db.applyBankAccount(clinic, "1311234502", "vaccination", account, listOf(AttachmentFile("a.pdf", "GIF89a".toByteArray()))) } == "attachment_type_refused", "bytes, not names")
    val png = byteArrayOf(0x89.toByte(), 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1)
    val app = db.applyBankAccount(clinic, "1311234502", "vaccination", account, listOf(AttachmentFile("scan.pdf", png)))
    check(app.status == "pending" && app.federation == "F13" && app.attachments[0].mediaType == "image/png", "applied: $app")
    check(db.bankAttachment(f13, app.id, 1u).contentEquals(png), "attachment bytes")
    check(failure { db.bankAttachment(f27, app.id, 1u) } == "not_authorized", "another federation")
    // Eight threads decide at once: one decision is stored.
    val outcomes = java.util.concurrent.ConcurrentLinkedQueue<String>()
    (1..8).map { Thread { outcomes.add(failure { db.approveBankApplication(f13, app.id) } ?: "ok") } }.onEach { it.start() }.forEach { it.join() }
    check(outcomes.count { it == "ok" } == 1 && outcomes.all { it in setOf("ok", "not_pending", "conflict") }, "decided once: $outcomes")
    check(db.activeAccounts(clinic, "1311234502").map { it.account.bank to it.application } == listOf("0005" to app.id), "active")
    val mail = db.pendingNotifications(central, 100u).filter { it.kind.startsWith("bank_") }.map { it.kind to it.recipient }
    check(mail == listOf("bank_account_applied" to "kouza@f13.example.jp", "bank_account_approved" to "admin@sakura.example.jp",
        "bank_account_approved" to "kouza@f13.example.jp"), "notifications: $mail")
    // H-10: a link, version-checked, and what a payment uses.
    check(db.addFederationLink(f13, "0005", "A1").version == "1", "link")
    check(failure { db.changeFederationLink(f13, "0005", "A1", "5") } == "conflict", "stale version")
    check(db.paymentAccount(f13, "1311234502", "vaccination")?.federationAccount?.values?.get("number") == "1234567", "payment account")
    // H-11: a notice for 10:00 JST dispatched at 09:59, 10:00 and 10:05.
    val path = File(dir, "n.db").path
    val creator = Sesshu.openSqlite(path, Instant.parse("2026-12-04T00:00:00Z"))
    val n = creator.createNotice(central, NoticeInput("保守のお知らせ", "停止します", listOf("federation"), Instant.parse("2026-12-04T01:00:00Z"), "2026-12-04", "2026-12-10"))
    for ((now, sent) in listOf("00:59" to listOf<String>(), "01:00" to listOf(n.id), "01:05" to listOf<String>())) {
        val got = Sesshu.openSqlite(path, Instant.parse("2026-12-04T${now}:00Z")).dispatchNotices(central).map { it.notice }
        check(got == sent, "dispatch at $now: $got")
    }
    val later = Sesshu.openSqlite(path, Instant.parse("2026-12-04T02:00:00Z"))
    check(later.noticeBoard(f13).map { it.title } == listOf("保守のお知らせ") && later.noticeBoard(clinic).isEmpty(), "board")
}

fun maternalRoundTrip(dir: File) {
    val db = Sesshu.openSqlite(File(dir, "mc.db").path, null)
    val chiyoda = Actor("clerk", "municipality", "131016", listOf("municipality"))
    val yokohama = Actor("clerk", "municipality", "141003", listOf("municipality"))
    // A plausible value, from the declaration alone.
    fun sample(i: MaternalItem, n: Int): String = when (i.itemType) {
        "date" -> "2026-11-%02d".format(1 + n % 28)
        "integer", "measure" -> i.minimum!!
        "code" -> i.codes[n % i.codes.size].substringBefore("=")
        else -> "所見$n"
    }
    val sets = maternalDataSets()
    check(sets.size == 13, "thirteen data sets")
    for (d in sets) {
        val rows = (1..3).joinToString("") { n -> (listOf("S%05d".format(n)) + d.items.map { sample(it, n) }).joinToString(",") + "\n" }
        val file = db.maternalTemplate(d.name, null) + rows.toByteArray()
        val up = db.uploadMaternalCsv(chiyoda, d.name, file, null, false)
        check(up.rows == 3L && up.registered == 3L && up.refused.isEmpty(), "${d.name}: $up")
        check(db.uploadMaternalCsv(chiyoda, d.name, file, null, false).unchanged == 3L, "${d.name} again")
        check(db.uploadMaternalCsv(chiyoda, d.name, db.exportMaternalCsv(chiyoda, d.name, null), null, false).unchanged == 3L, "${d.name} download")
    }
    val bad = "subject_number,exam_date,method,right,left,stage\nS1,2026-11-31,AABR,pass,pass,\n".toByteArray()
    val up = db.uploadMaternalCsv(chiyoda, "newborn_hearing", bad, null, false)
    check(up.registered == 0L && up.refused.map { it.row to it.column } == listOf(1L to "exam_date") && up.errorsCsv.isNotEmpty(), "refused: $up")
    val doc = """{"interface":"H_071-013_IF","version":1,"municipality":"131016","rows":[{"subject_number":"S8","exam_date":"2026-11-02","referred_from":"3y","result":"1"}]}"""
    val r = db.receiveMaternal(chiyoda, doc.toByteArray())
    check(r.dataSet == "infant_follow_up" && r.registered == 1L, "received: $r")
    check(failure { db.receiveMaternal(chiyoda, doc.replace("\"version\":1", "\"version\":3").toByteArray()) } == "interface_file_refused", "version")
    check(db.maternalDataOf(chiyoda, "S8").single().values["referred_from"] == "3y", "read")
    check(db.maternalDataOf(yokohama, "S8").isEmpty(), "another municipality sees nothing")
}

fun martsRoundTrip(dir: File) {
    val db = Sesshu.openSqlite(File(dir, "marts.db").path, Instant.parse("2025-04-01T03:00:00Z"))
    val central = Actor("operator", "central", "CENTRAL", listOf("central"))
    val mhlw = Actor("analyst", "mhlw", "MHLW", listOf("mhlw"))
    var doses = 0L
    for (m in listOf("131016", "141003")) {
        val persons = (0 until 15).map { n ->
            val birth = "2023-%02d-10".format(1 + n % 12)
            Person("P$m-$n", "S$m-$n", "山田 花子", "ヤマダ ハナコ", birth, "female", null, listOf(ResidencyInterval(m, birth, null)))
        }
        val records = (0 until 15 step 2).map { n -> Record("R$m-$n", "P$m-$n", m, "routine", "MR", 1L, "2024-12-%02d".format(1 + n), null, null, false) }
        db.putPersons(m, "clerk", persons)
        db.putRecords(m, "clerk", records)
        doses += records.size
    }
    val rules = "vaccine_type,dose,age_from_months,age_to_months,interval_days,valid_from,valid_to\nMR,1,12,24,,2006-04-01,\n"
    db.importMasterCsv(mhlw, "standard_recommendation_rules", rules.toByteArray(), null, false)
    check(failure { db.buildMarts(mhlw, "2025-04-01", false) } == "not_authorized", "the operator builds")
    val r = db.buildMarts(central, "2025-04-01", false)
    check(r.records == doses && r.targets > 0L && r.vaccinated in 1L..r.targets, "batch: $r")
    val again = db.buildMarts(central, "2025-04-01", false)
    check(again.records == 0L && again.cellsChanged == 0L, "again: $again")
    val marts = listOf("vaccinations", "questionnaires", "recommendations")
    val cells = marts.map { db.martCells(mhlw, it) }
    check(cells[0].sumOf { it.count } == doses, "doses")
    check(db.buildMarts(central, "2025-04-01", true).full, "full")
    check(marts.map { db.martCells(mhlw, it) } == cells, "a full rebuild gives the same marts")
    check(failure { db.martCells(mhlw, "doses") } == "unknown_mart", "unknown mart")
    val csv = db.exportMarts(mhlw).associate { it.path to it.content }
    check(csv.keys == marts.map { "$it.csv" }.toSet(), "csv export: ${csv.keys}")
    check(csv.getValue("vaccinations.csv").lines().drop(1).filter { it.isNotEmpty() }.sumOf { line ->
        val f = line.split(",")
        if (f[1] == "total") f[6].toLong() else 0L
    } == doses, "the national totals of the csv export")
    val parquet = db.exportMartsParquet(mhlw)
    check(parquet.map { it.path } == marts.map { "$it.parquet" }, "parquet export: ${parquet.map { it.path }}")
    val magic = "PAR1".toByteArray()
    for (f in parquet) check(f.data.size > 8 && f.data.copyOfRange(0, 4).contentEquals(magic) &&
        f.data.copyOfRange(f.data.size - 4, f.data.size).contentEquals(magic), "${f.path}: a Parquet file")
    val staff = Actor("131016-0009", "municipality", "131016", listOf("municipality"))
    check(failure { db.exportMartsParquet(staff) } == "not_authorized", "the export is MHLW's")
    val files = db.publish(mhlw, "2025-04-01", 10u).associate { it.path to it.content }
    check(files.getValue("index.html").contains("<html lang=\"ja\">") && "data/coverage.csv" in files, "published: ${files.keys}")
    for ((path, text) in files) if (path.endsWith(".csv")) for (line in text.trim().lines().drop(1)) {
        val n = line.substringAfterLast(",")
        check(n == "X" || n == "0" || n.toLong() >= 10, "$path: $line")
    }
    val out = protectCounts("area,vaccine,count\n131016,MR,3\n131016,HPV,20\n131041,MR,40\n131041,HPV,50\n", 10L)
    check(out.contains("131016,MR,X\n") && out.contains("total,total,113\n"), "protectCounts: $out")
    check(failure { protectCounts("area,vaccine,count\n131016,MR,three\n", 10L) } == "invalid_counts_file", "a bad counts file")
}

fun main(args: Array<String>) {
    // The shared floor, then (second argument) the project's own edge cases.
    val dir = File(args.getOrElse(0) { "../../../../shared/scenarios" })
    val (shared, sharedFailures) = scenarios(dir)
    val (own, ownFailures) = args.getOrNull(1)?.let { scenarios(File(it)) } ?: Pair(0, emptyList())
    val passed = shared + own
    val failures = sharedFailures + ownFailures
    failures.forEach { println("FAIL $it") }
    var storePassed = 0
    var storeFailed = 0
    try {
        storeRoundTrip(kotlin.io.path.createTempDirectory("sesshu").toFile()); storePassed += 1
        accountsRoundTrip(kotlin.io.path.createTempDirectory("sesshu").toFile()); storePassed += 1
        certificatesRoundTrip(kotlin.io.path.createTempDirectory("sesshu").toFile()); storePassed += 1
        questionnairesRoundTrip(kotlin.io.path.createTempDirectory("sesshu").toFile()); storePassed += 1
        exportsRoundTrip(kotlin.io.path.createTempDirectory("sesshu").toFile()); storePassed += 1
        mastersRoundTrip(kotlin.io.path.createTempDirectory("sesshu").toFile()); storePassed += 1
        bankAccountsRoundTrip(kotlin.io.path.createTempDirectory("sesshu").toFile()); storePassed += 1
        maternalRoundTrip(kotlin.io.path.createTempDirectory("sesshu").toFile()); storePassed += 1
        martsRoundTrip(kotlin.io.path.createTempDirectory("sesshu").toFile()); storePassed += 1
    } catch (e: Throwable) {
        println("FAIL store round trip: $e"); storeFailed = 1
    }
    println("kotlin: ${passed + storePassed} passed, ${failures.size + storeFailed} failed")
    if (failures.isNotEmpty() || storeFailed > 0 || shared < 100) kotlin.system.exitProcess(1)
}
