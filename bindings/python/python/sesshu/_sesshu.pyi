"""Type stubs for the native module (see ``sesshu``)."""

import datetime
import decimal
from typing import Dict, Any, List, Mapping, Optional, Sequence, Tuple

__version__: str

class SesshuError(Exception):
    code: str

class ValidationError(SesshuError): ...
class RuleError(SesshuError): ...
class NotFoundError(SesshuError): ...
class NotAuthorizedError(SesshuError): ...
class ConflictError(SesshuError): ...
class StorageError(SesshuError): ...

def parse_municipality_code(value: str) -> str: ...
def parse_medical_institution_code(value: str) -> str: ...
def parse_gtin(value: str) -> str: ...
def parse_account_number(value: str) -> str: ...
def parse_account_holder_name(value: str) -> str: ...
def parse_bank_code(value: str) -> str: ...
def parse_branch_code(value: str) -> str: ...
def parse_passport_number(value: str) -> str: ...
def parse_nationality(value: str) -> str: ...
def parse_roman_name(value: str) -> str: ...
def parse_email(value: str) -> str: ...

class Gs1:
    gtin: str
    expiry: Optional[datetime.date]
    lot: Optional[str]
    serial: Optional[str]

def parse_gs1(value: str) -> Gs1: ...
def wareki(day: datetime.date) -> str: ...
def parse_timestamp(value: str) -> datetime.datetime:
    """RFC 3339 text with an offset -> an aware UTC datetime; ValidationError
    (code invalid_timestamp) otherwise. Every instant the library takes must be
    aware: a naive datetime raises ValidationError (invalid_timestamp)."""

class ResidencyInterval:
    municipality: str
    start: datetime.date
    end: Optional[datetime.date]
    def __init__(self, municipality: str, start: datetime.date, end: Optional[datetime.date] = None) -> None: ...

class ResidencyHistory:
    def __init__(self, intervals: Sequence[ResidencyInterval]) -> None: ...
    def status(self, municipality_code: str, date: datetime.date) -> str: ...
    def municipality_on(self, date: datetime.date) -> Optional[str]: ...
    def intervals(self) -> List[ResidencyInterval]: ...

class RecordFacts:
    responsible: str
    category: str
    erroneous: bool
    def __init__(self, responsible: str, category: str, erroneous: bool = False) -> None: ...

class Access:
    visible: bool
    certifiable: bool
    portal: bool

class RecordAccess:
    def __init__(self, history: ResidencyHistory, municipality_code: str, date: datetime.date) -> None: ...
    def evaluate(self, record: RecordFacts) -> Access: ...

class TravelDetails:
    passport_number: str
    nationality: str
    name_roman: str
    def __init__(self, passport_number: str, nationality: str, name_roman: str) -> None: ...

class FormSelection:
    form: int
    travel: Optional[TravelDetails]

def select_form(category: str, requested_form: Optional[int] = None, travel: Optional[TravelDetails] = None) -> FormSelection: ...
def check_role(org_type: str, role: str) -> None: ...

class OrganisationRow:
    code: str
    issuance: str
    delegation: Optional[str]
    union: Optional[str]
    email: Optional[str]
    admin_name: Optional[str]
    def __init__(self, code: str, issuance: str, delegation: Optional[str] = None, union: Optional[str] = None,
                 email: Optional[str] = None, admin_name: Optional[str] = None) -> None: ...

class AdministratorRow:
    org_code: str
    org_type: str
    issuance: str
    email: Optional[str]
    admin_name: Optional[str]
    def __init__(self, org_code: str, org_type: str, issuance: str, email: Optional[str] = None,
                 admin_name: Optional[str] = None) -> None: ...

class FirstAdministrator:
    org_code: str
    org_type: str
    email: str
    admin_name: str

class RejectedRow:
    code: str
    org_type: str
    error: str
    message: str

def extract_first_administrators(
    already_issued: Sequence[str],
    medical_institutions: Sequence[OrganisationRow],
    municipalities: Sequence[OrganisationRow],
    unions: Sequence[OrganisationRow],
    administrators: Sequence[AdministratorRow],
) -> Tuple[List[FirstAdministrator], List[RejectedRow]]: ...

class PasswordPolicy:
    """An argument left out (None) takes the library's default: 12–128
    characters, lower, upper and digit required, no symbol required, the
    user id and e-mail forbidden, common passwords rejected, 5 remembered."""
    def __init__(self, min_length: Optional[int] = None, max_length: Optional[int] = None,
                 require_lowercase: Optional[bool] = None, require_uppercase: Optional[bool] = None,
                 require_digit: Optional[bool] = None, require_symbol: Optional[bool] = None,
                 forbid_user_id: Optional[bool] = None, forbid_email: Optional[bool] = None,
                 reject_common: Optional[bool] = None, history_size: Optional[int] = None) -> None: ...
    def check(self, user_id: str, email: str, password: str, history: Sequence[str] = ...) -> List[str]: ...

class InactivitySchedule:
    notice_date: datetime.date
    threshold: datetime.datetime
    def __init__(self, execution_date: datetime.date) -> None: ...
    def is_candidate(self, status: str, issued_at: datetime.datetime,
                     last_login_at: Optional[datetime.datetime] = None) -> bool: ...

def needs_delivery(municipality_code: str, responsible: str, updated_at: datetime.datetime,
                   delivered_at: Optional[datetime.datetime] = None) -> bool: ...
def modified_items(subject: Mapping[str, Any], institution: Mapping[str, Any]) -> List[str]: ...

class BankAccountDraft:
    account_class: str
    bank: str
    branch: str
    deposit_type: str
    number: str
    holder: str
    def __init__(self, account_class: str, bank: str, branch: str, deposit_type: str, number: str, holder: str) -> None: ...

class AttachmentInfo:
    number: int
    name: str
    media_type: str
    size: int
    sha256: str

class BankApplication:
    id: str
    institution: str
    federation: str
    usage: str
    status: str
    account: BankAccountDraft
    reason: Optional[int]
    note: Optional[str]
    applied_at: datetime.datetime
    applied_by: str
    decided_at: Optional[datetime.datetime]
    decided_by: Optional[str]
    attachments: List[AttachmentInfo]
    version: int

class ActiveAccount:
    institution: str
    usage: str
    account: BankAccountDraft
    application: Optional[str]
    since: datetime.datetime

class FederationLink:
    federation: str
    bank: str
    account: str
    updated_at: datetime.datetime
    updated_by: str
    version: int

class PaymentAccount:
    institution_account: ActiveAccount
    link: FederationLink
    federation_account: Optional["MasterRowOut"]

class Notice:
    id: str
    title: str
    body: str
    targets: List[str]
    immediate: bool
    send_at: datetime.datetime
    display_from: datetime.date
    display_until: datetime.date
    status: str
    created_by: str
    created_at: datetime.datetime
    sent_at: Optional[datetime.datetime]
    recipients: int
    version: int

class DispatchedNotice:
    notice: str
    recipients: int

class MaternalItem:
    name: str
    label: str
    item_type: str
    unit: Optional[str]
    required: bool
    minimum: Optional[str]
    maximum: Optional[str]
    codes: List[str]

class MaternalDataSet:
    name: str
    label: str
    interface: str
    template: str
    items: List[MaternalItem]
    key: List[str]

def maternal_data_sets() -> List[MaternalDataSet]: ...

def protect_counts(csv: str, threshold: int) -> str:
    """The published CSV of a counts file, counts 1..threshold-1 and their complements written X."""
    ...

class MartReport:
    date: Optional[datetime.date]
    full: bool
    resumed: bool
    records: int
    cells_changed: int
    targets: int
    vaccinated: int
    steps: int

class MartCell:
    mart: str
    date: datetime.date
    municipality: str
    vaccine: str
    dose: int
    age_band: str
    count: int
    vaccinated: int

class PublishedFile:
    path: str
    content: str

class MartFile:
    path: str
    data: bytes

class MaternalRefusal:
    row: int
    column: Optional[str]
    code: str
    reason: str
    original: List[str]

class MaternalUpload:
    data_set: str
    dry_run: bool
    rows: int
    registered: int
    unchanged: int
    refused: List[MaternalRefusal]
    errors_csv: str

class MaternalRefusedRow:
    position: int
    item: Optional[str]
    code: str
    reason: str

class MaternalRegistration:
    interface: str
    data_set: str
    municipality: str
    received: int
    registered: int
    unchanged: int
    refused: List[MaternalRefusedRow]
    json: str

class MaternalRowOut:
    data_set: str
    subject: str
    municipality: str
    values: Dict[str, str]
    updated_at: datetime.datetime

class Person:
    management_id: str
    subject_number: str
    name: str
    name_kana: str
    birth_date: datetime.date
    sex: str
    pmh_key: Optional[str]
    residency: List[ResidencyInterval]
    def __init__(self, management_id: str, subject_number: str, name: str, name_kana: str, birth_date: datetime.date,
                 sex: str, pmh_key: Optional[str] = None, residency: Sequence[ResidencyInterval] = ...) -> None: ...

class PersonResidency:
    """One person's residency history as the residency file gives it (異動履歴)."""
    management_id: str
    residency: List[ResidencyInterval]
    def __init__(self, management_id: str, residency: Sequence[ResidencyInterval] = ...) -> None: ...

class Record:
    id: str
    management_id: str
    responsible: str
    category: str
    vaccine: str
    dose_number: int
    date: datetime.date
    lot: Optional[str]
    institution: Optional[str]
    erroneous: Optional[bool]
    """Marked erroneous (間違い接種等): always set on a record read back; None when built means False."""
    def __init__(self, id: str, management_id: str, responsible: str, category: str, vaccine: str, dose_number: int,
                 date: datetime.date, lot: Optional[str] = None, institution: Optional[str] = None,
                 erroneous: Optional[bool] = None) -> None: ...

class RecordRow:
    person: Person
    record: Record
    certifiable: bool
    version: int
    updated_at: datetime.datetime

class DeliveredRecord:
    subject_number: str
    management_id: str
    record: Record

class DeliveryPull:
    batch_id: Optional[str]
    redelivery: bool
    records: List[DeliveredRecord]

class LogEntry:
    seq: int
    at: datetime.datetime
    actor: str
    organisation: str
    action: str
    subject: Optional[str]
    record_ids: List[str]

class VerifyReport:
    verified: int
    first_break: Optional[int]
    reason: Optional[str]

class ImportOutcome:
    """What an import did with one item: written (outcome is "created",
    "updated" or "unchanged") or refused (code and message)."""
    outcome: Optional[str]
    code: Optional[str]
    message: Optional[str]

class Actor:
    user_id: str
    org_type: str
    organisation: str
    roles: List[str]
    def __init__(self, user_id: str, org_type: str, organisation: str, roles: Sequence[str]) -> None: ...

class UserInfo:
    user_id: str
    org_type: str
    organisation: str
    email: str
    name: str
    role: str
    state: str
    linked_accounts: List[str]
    issued_at: datetime.datetime
    last_sign_in: Optional[datetime.datetime]

class IssuedAccount:
    user_id: str
    temporary_password: str
    url_token: str
    expires_at: datetime.datetime

class IssuedToken:
    token: str
    id: str
    organisation: str
    expires_at: Optional[datetime.datetime]

class OutboxNotification:
    seq: int
    kind: str
    recipient: str
    user_id: Optional[str]
    payload: Dict[str, str]
    secrets: Dict[str, str]

class IssuedCertificate:
    certificate_number: str
    form: int
    pdf: bytes

class Issuance:
    certificate_number: str
    issue_date: datetime.date
    management_id: str
    records: List[str]
    form: int
    channel: str
    applicant: str
    delegation_checked: bool
    name_override: Optional[str]
    passport_number: Optional[str]
    nationality: Optional[str]
    name_roman: Optional[str]
    signed_by: Optional[str]

class Questionnaire:
    record: str
    subject: Dict[str, Any]
    institution: Dict[str, Any]
    modified: List[str]

class QuestionnaireRow:
    person: Person
    record: Record
    answers: Questionnaire

class MasterColumn:
    name: str
    label: str
    column_type: str
    required: bool

class MasterInfo:
    """A declared master (マスタ): name, label, owner, columns, key."""
    name: str
    label: str
    owner: str
    columns: List[MasterColumn]
    key: List[str]

class MasterRowOut:
    """One version of a master row: values as text by column, valid [from, to)."""
    kind: str
    values: Dict[str, str]
    valid_from: datetime.date
    valid_to: Optional[datetime.date]

class MasterRowError:
    row: int
    column: Optional[str]
    code: str
    reason: str

class MasterImport:
    kind: str
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    errors: List[MasterRowError]

class ZenginLoadInfo:
    generation: int
    sha256: str
    source: str
    loaded_at: datetime.datetime
    banks: int
    branches: int

class ZenginState:
    """全銀協コードチェックマスタ: the load in use and the backup."""
    changed: bool
    current: Optional[ZenginLoadInfo]
    backup: Optional[ZenginLoadInfo]

class VialLabel:
    gtin: str
    vaccine_type: str
    product: str
    maker: Optional[str]
    lot: Optional[str]
    expiry: Optional[datetime.date]

class ReceivedFile:
    """A received file: outcome "applied" (report), "superseded" (latest),
    "ignored" or "refused" (code, reason)."""
    name: str
    interface: Optional[str]
    day: Optional[datetime.date]
    outcome: str
    report: Optional[MasterImport]
    latest: Optional[datetime.date]
    code: Optional[str]
    reason: Optional[str]

class MasterDiff:
    batch: str
    redelivery: bool
    interfaces: List[str]
    rows: List[MasterRowOut]

def master_kinds() -> List[MasterInfo]: ...

class Sesshu:
    @staticmethod
    def open_sqlite(path: str, now: Optional[datetime.datetime] = None) -> "Sesshu": ...
    @staticmethod
    def open_postgres(url: str, now: Optional[datetime.datetime] = None) -> "Sesshu": ...
    def put_persons(self, municipality: str, user: str, persons: Sequence[Person]) -> List[str]: ...
    def put_records(self, municipality: str, user: str, records: Sequence[Record]) -> List[str]: ...
    def import_persons(self, municipality: str, user: str, persons: Sequence[Person]) -> List[ImportOutcome]:
        """The acceptable persons land in one commit; each other one is refused in its place."""
    def import_person_details(self, municipality: str, user: str, persons: Sequence[Person]) -> List[ImportOutcome]:
        """The persons file: details as given, the stored residency kept (`residency` ignored)."""
    def import_residency(self, municipality: str, user: str,
                         histories: Sequence[PersonResidency]) -> List[ImportOutcome]:
        """The residency file: each named person's history replaced; not stored -> not_found."""
    def import_records(self, municipality: str, user: str, records: Sequence[Record]) -> List[ImportOutcome]:
        """The acceptable records land in one commit; each other one is refused in its place."""
    def person_records(self, municipality: str, user: str, management_id: str) -> List[RecordRow]: ...
    def query_records(self, municipality: str, user: str, *, subject_number: Optional[str] = None,
                      kana_prefix: Optional[str] = None, birth_date: Optional[datetime.date] = None,
                      vaccine: Optional[str] = None, vaccinated_from: Optional[datetime.date] = None,
                      vaccinated_to: Optional[datetime.date] = None, after: Optional[str] = None,
                      persons_per_page: int = 100) -> Tuple[List[RecordRow], Optional[str]]: ...
    def export_records_csv(self, municipality: str, user: str, *, encoding: Optional[str] = None,
                           replacement: Optional[str] = None, subject_number: Optional[str] = None,
                           kana_prefix: Optional[str] = None, vaccine: Optional[str] = None) -> bytes: ...
    def portal_records(self, pmh_key: str) -> List[Record]: ...
    def pull_delivery(self, municipality: str, user: str, limit: int = 10000) -> DeliveryPull: ...
    def ack_delivery(self, municipality: str, user: str, batch_id: str) -> bool: ...
    def search_log(self, municipality: str, user: str, *, subject: Optional[str] = None, actor: Optional[str] = None,
                   start: Optional[datetime.datetime] = None, end: Optional[datetime.datetime] = None,
                   after: Optional[int] = None, limit: int = 1000) -> List[LogEntry]:
        """At most `limit` entries the municipality may see, after the entry `after`
        (pass the last entry's `seq` for the next page)."""
    def export_log_csv(self, municipality: str, user: str, *, subject: Optional[str] = None,
                       actor: Optional[str] = None, start: Optional[datetime.datetime] = None,
                       end: Optional[datetime.datetime] = None, encoding: Optional[str] = None,
                       replacement: Optional[str] = None) -> bytes:
        """アクセスログのダウンロード: seq,at,actor,organisation,action,subject,record_ids."""
    def verify_log(self, municipality: str, user: str) -> VerifyReport: ...
    def create_user(self, actor: Actor, email: str, name: str, role: str) -> IssuedAccount: ...
    def activate_account(self, user_id: str, url_token: str, temporary_password: str, new_password: str) -> None: ...
    def sign_in(self, user_id: str, password: str, second_factor: Optional[str] = None) -> Actor: ...
    def enrol_totp(self, actor: Actor) -> Tuple[str, str]: ...
    def confirm_totp(self, actor: Actor, code: str) -> List[str]: ...
    def request_password_reset(self, user_id: str, email: str) -> None: ...
    def remind_user_ids(self, email: str) -> None: ...
    def update_own_account(self, actor: Actor, *, name: Optional[str] = None, email: Optional[str] = None,
                           linked_accounts: Optional[Sequence[str]] = None, current_password: Optional[str] = None, new_password: Optional[str] = None) -> List[str]: ...
    def confirm_email(self, user_id: str, token: str) -> None: ...
    def list_users(self, actor: Actor, after: Optional[str] = None, limit: int = 100) -> List[UserInfo]: ...
    def register_organisation(self, actor: Actor, org_type: str, code: str, online_eligibility: bool) -> None: ...
    def update_user(self, actor: Actor, user_id: str, *, name: Optional[str] = None, role: Optional[str] = None,
                    state: Optional[str] = None) -> List[str]: ...
    def extract_first_administrators(self, actor: Actor, masters_json: str) -> Tuple[List[Tuple[str, str]], List[Tuple[str, str]]]: ...
    def inactivity(self, actor: Actor, execution_date: datetime.date, *, execute: bool) -> Tuple[int, int]: ...
    def issue_token(self, actor: Actor, org_type: str, organisation: str, label: str, valid_days: Optional[int] = None) -> IssuedToken: ...
    def verify_token(self, token: str) -> Actor: ...
    def revoke_token(self, actor: Actor, id: str) -> bool: ...
    def rotate_token(self, actor: Actor, id: str) -> IssuedToken: ...
    def pending_notifications(self, actor: Actor, limit: int = 100) -> List[OutboxNotification]: ...
    def ack_notifications(self, actor: Actor, seqs: Sequence[int]) -> None: ...
    def with_certificate_signer(self, key_pem: str, certificate_pem: str) -> "Sesshu": ...
    def issue_certificate(self, municipality: str, user: str, management_id: str, records: Sequence[str], *,
                          municipality_name: str, head: str, form: Optional[int] = None,
                          passport_number: Optional[str] = None, nationality: Optional[str] = None,
                          name_roman: Optional[str] = None, name: Optional[str] = None,
                          applicant: str = "subject", delegation_checked: bool = False,
                          channel: str = "counter") -> IssuedCertificate: ...
    def list_issuances(self, municipality: str, user: str, management_id: Optional[str] = None,
                       after: Optional[str] = None, limit: Optional[int] = None) -> List[Issuance]:
        """At most `limit` (1,000 unless given) after the certificate `after`."""
    def export_issuances_csv(self, municipality: str, user: str, management_id: Optional[str] = None, *,
                             encoding: Optional[str] = None, replacement: Optional[str] = None) -> bytes:
        """発行履歴のダウンロード: the register (or one person's part of it) as CSV."""
    def put_questionnaire(self, actor: Actor, record_id: str, subject: Mapping[str, Any],
                          institution: Mapping[str, Any]) -> str: ...
    def questionnaire(self, municipality: str, user: str, record_id: str) -> Questionnaire: ...
    def query_questionnaires(self, municipality: str, user: str, *, subject_number: Optional[str] = None,
                             kana_prefix: Optional[str] = None, birth_date: Optional[datetime.date] = None,
                             vaccine: Optional[str] = None, vaccinated_from: Optional[datetime.date] = None,
                             vaccinated_to: Optional[datetime.date] = None, after: Optional[str] = None,
                             persons_per_page: int = 100) -> Tuple[List[QuestionnaireRow], Optional[str]]: ...
    def export_questionnaires_csv(self, municipality: str, user: str, *, encoding: Optional[str] = None,
                                  replacement: Optional[str] = None, subject_number: Optional[str] = None,
                                  kana_prefix: Optional[str] = None, vaccine: Optional[str] = None) -> bytes: ...
    def import_master_csv(self, actor: Actor, kind: str, data: bytes, *, encoding: Optional[str] = None,
                          dry_run: bool = False) -> MasterImport: ...
    def master_rows(self, actor: Actor, kind: str) -> List[MasterRowOut]: ...
    def master_row_as_of(self, actor: Actor, kind: str, key: Sequence[str], day: datetime.date) -> Optional[MasterRowOut]: ...
    def export_master_csv(self, actor: Actor, kind: str, *, encoding: Optional[str] = None,
                          replacement: Optional[str] = None) -> bytes: ...
    def zengin_load(self, actor: Actor, data: bytes, source: str, *, encoding: Optional[str] = None) -> ZenginState: ...
    def zengin_rollback(self, actor: Actor) -> ZenginState: ...
    def zengin_status(self) -> ZenginState: ...
    def zengin_check(self, bank: str, branch: str) -> None: ...
    def check_bank_account(self, account: BankAccountDraft) -> None: ...
    def apply_bank_account(self, actor: Actor, institution: str, usage: str, account: BankAccountDraft,
                           attachments: Sequence[Tuple[str, bytes]] = ...) -> BankApplication:
        """An institution applies (usage vaccination|claim_assignment); attachments are (name, bytes), PDF/JPEG/PNG by their bytes."""
    def approve_bank_application(self, actor: Actor, application_id: str) -> BankApplication: ...
    def reject_bank_application(self, actor: Actor, application_id: str, reason: Optional[int] = None,
                                note: Optional[str] = None) -> BankApplication: ...
    def delete_bank_application(self, actor: Actor, application_id: str) -> BankApplication: ...
    def bank_application(self, actor: Actor, application_id: str) -> BankApplication: ...
    def bank_applications(self, actor: Actor, *, pending_only: bool = False) -> List[BankApplication]: ...
    def bank_attachment(self, actor: Actor, application_id: str, number: int) -> bytes: ...
    def active_accounts(self, actor: Actor, institution: str) -> List[ActiveAccount]: ...
    def register_active_account(self, actor: Actor, institution: str, usage: str,
                                account: BankAccountDraft) -> ActiveAccount: ...
    def federation_links(self, actor: Actor) -> List[FederationLink]: ...
    def add_federation_link(self, actor: Actor, bank: str, account: str) -> FederationLink: ...
    def change_federation_link(self, actor: Actor, bank: str, account: str, version: int) -> FederationLink: ...
    def delete_federation_link(self, actor: Actor, bank: str, version: int) -> None: ...
    def payment_account(self, actor: Actor, institution: str, usage: str = "vaccination") -> Optional[PaymentAccount]: ...
    def create_notice(self, actor: Actor, title: str, body: str, targets: Sequence[str], display_from: datetime.date,
                      display_until: datetime.date, send_at: Optional[datetime.datetime] = None) -> Notice: ...
    def change_notice(self, actor: Actor, notice_id: str, version: int, title: str, body: str, targets: Sequence[str],
                      display_from: datetime.date, display_until: datetime.date,
                      send_at: Optional[datetime.datetime] = None) -> Notice: ...
    def cancel_notice(self, actor: Actor, notice_id: str, version: int) -> Notice: ...
    def notices(self, actor: Actor) -> List[Notice]: ...
    def dispatch_notices(self, actor: Actor) -> List[DispatchedNotice]: ...
    def notice_board(self, actor: Actor) -> List[Notice]: ...
    def maternal_template(self, data_set: str, *, encoding: Optional[str] = None) -> bytes: ...
    def upload_maternal_csv(self, actor: Actor, data_set: str, data: bytes, *, encoding: Optional[str] = None,
                            dry_run: bool = False) -> MaternalUpload: ...
    def receive_maternal(self, actor: Actor, data: bytes) -> MaternalRegistration: ...
    def maternal_data_of(self, actor: Actor, subject: str) -> List[MaternalRowOut]: ...
    def export_maternal_csv(self, actor: Actor, data_set: str, *, encoding: Optional[str] = None) -> bytes: ...
    def build_marts(self, actor: Actor, date: datetime.date, *, full: bool = False) -> MartReport: ...
    def mart_cells(self, actor: Actor, mart: str) -> List[MartCell]: ...
    def export_marts(self, actor: Actor) -> List[PublishedFile]: ...
    def export_marts_parquet(self, actor: Actor) -> List[MartFile]: ...
    def publish(self, actor: Actor, day: datetime.date, *, threshold: int = 10) -> List[PublishedFile]: ...
    def resolve_vial_label(self, label: str, day: datetime.date) -> VialLabel: ...
    def receive_masters(self, actor: Actor, files: Mapping[str, bytes]) -> List[ReceivedFile]: ...
    def pull_master_diff(self, actor: Actor, receiver: str, *, limit: int = 10000) -> Optional[MasterDiff]: ...
    def ack_master_diff(self, actor: Actor, batch: str) -> bool: ...
