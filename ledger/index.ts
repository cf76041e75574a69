/**
 * The ledger's public entry, the one nodes import: the Ledger facade and how to open one, the input
 * and result types of its API objects, its errors, and the few constants and pure helpers the nodes'
 * parameters and webhooks need. Transaction-level functions are not here; tests and benches reach
 * them through ./internal.
 */

// The facade and opening it.
export { Ledger } from './ledger';
export { closeAllLedgers, closeLedgersOnExit, getLedger } from './registry';
export { defaultSqlitePath, defaultStoreConfig, LEDGER_DATABASE_URL_ENV, openStore, schemaVersion, type PostgresConfig, type SqliteConfig, type StoreConfig } from './store';

// Errors.
export { EmbeddedLedgerUnsupportedError, ForgottenIdentityError, isLedgerUnavailable, LedgerInputError, LedgerUnavailableError } from './errors';

// The API objects hanging off the facade, and what their methods take and give.
export type { AbuseApi, AbuseDecisionInput } from './abuse/api';
export type { CaptureApi } from './capture/api';
export type { ContactsApi } from './contacts/api';
export type { ForgetResult } from './contacts/forget';
export type { OutboxApi } from './outbox/api';
export type { PurchasesApi, ReplayOutcome } from './purchases/api';
export type { ReconcileApi } from './reconcile/api';
export type { ReviewApi } from './review/api';
export type { SettingsApi } from './settings/api';
export type { TagsApi } from './tags/api';

export type { AttributionKey, Touch } from './attribution';
export type { EventFilter, LedgerEvent } from './events';
export type { NormalizedIdentifier } from './normalize';

export type { LinkIdentifierInput, LinkIdentifierResult } from './contacts/identifiers';
export type { IdentifierInput, UpsertContactInput } from './contacts/input';
export type { MergeContactsInput } from './contacts/merge';
export type { ContactRecord } from './contacts/records';
export type { UpsertContactResult } from './contacts/upsert';
export type { UpsertManyOutcome } from './contacts/upsert-many';

export type { ReviewItem, ReviewReason } from './review/review';
export type { ActionBy, ActionResult, OutboxAction } from './review/actions';
export type { Page } from './review/cursor';
export type { DeskContact, DeskFilter, DeskItem } from './review/list';
export type { DeadLetter, RefusedDelivery, RefusedSignup } from './review/lists';
export { DEFAULT_LAUNCH_SETTINGS, type CanonicalKey, type LaunchSettings, type LaunchSettingsPatch, type MergePolicy, type UnknownTagPolicy } from './settings/settings';

export type { QuarantinedTag } from './tags/contact-tags';
export type { TagChangeResult, TagPlan } from './tags/plan';
export type { AddTagInput, RegistryDocument, RegistryTag } from './tags/registry';
export type { ResolvedTag, TagKind } from './tags/resolve';

export { ATTRIBUTION_KEYS, CLICK_AND_CAMPAIGN_KEYS } from './attribution';
export type { AbuseFlag, AbuseFlagStatus } from './abuse/flags';
export type { FlaggedSignup } from './abuse/list';
export type { AbuseDecision, AbuseDecisionResult } from './abuse/review';
export { ABUSE_SIGNAL_LABELS, ABUSE_SIGNALS, type AbuseOptions, type AbuseSignal, type CaptchaOutcome } from './abuse/rules';
export type { CaptureResult } from './capture/capture';
export type { FormVisit, SignupForm, SignupFormField } from './capture/form';
export { DEFAULT_CAPTURE_POLICY, DEFAULT_PAID_MEDIUMS, type AttributionWithoutConsent, type CaptureOptions, type CapturePolicy } from './capture/policy';
export type { CaptureRejection, RecordedRejection } from './capture/rejections';
export type { SignupBody, SignupSubmission, SubmitResult } from './capture/submit';
export { signFormTimestamp, validateSignup, type FieldError, type SignupVerdict, type ValidSignup } from './capture/validate';

export type { ClaimOutboxInput } from './outbox/claim';
export type { EnqueueOutboxInput, EnqueueOutboxResult } from './outbox/enqueue';
export type { ClaimedOutboxEntry, OutboxEntry, OutboxKind, OutboxStatus } from './outbox/entry';
export type { OutboxHealth } from './outbox/health';
export { MAX_HOLD_MS, QUEUED_RUN_LEASE_MS, RENEW_EVERY_MS, RUN_LEASE_MS, type KeepAliveOptions, type RenewOptions, type RenewResult } from './outbox/keep-alive';
export type { PauseInput, PauseScope, PauseState } from './outbox/kill-switch';
export type { ListOutboxInput } from './outbox/list';
export { parseRetryAfter, type RetryPolicy } from './outbox/retry';
export type { AckResult, ClaimProof, FailOutboxInput, FailResult, OutboxAck, SettleOutcome } from './outbox/settle';

export type {
	CheckoutOrderRecord,
	DeliveryEnrollmentRecord,
	PurchaseFact,
	PurchaseFactSource,
	RecordStream,
	SweepFinding,
	SweepInput,
	SweepReport,
	SystemReport,
	VendorContactRecord,
	VendorSystem,
} from './reconcile/types';

export type { AccessRecord } from './purchases/access';
export type { AccessDecision, AccessPin, AccessState } from './purchases/access-state';
export type { ApplyPurchaseOptions } from './purchases/apply';
export type { CheckoutToken, CheckoutTokenInput } from './purchases/checkout-token';
export { CHECKOUT_LIMIT_FIELD, CHECKOUT_TOKEN_OPEN_MS, CHECKOUT_TOKENS_PER_WINDOW, CHECKOUT_TOKEN_WINDOW_MS } from './purchases/checkout-token';
export type { EventDecision, PurchaseDecision } from './purchases/decision';
export type { InboxEntry, InboxFilter, InboxStatus, RecordDeliveryResult, SaleConfirmation } from './purchases/inbox';
export { MAX_VERIFIED_BODY_BYTES } from './purchases/inbox';
export type { DeliveryAnswer, DeliveryNextStep, DeliveryRun, ReceiveWebhookInput, ReceiveWebhookResult } from './purchases/receive';
export type { MatchedBy } from './purchases/match';
export { PURCHASE_EVENT_TYPES, parseWebhookBody, type PurchaseEvent, type PurchaseEventType } from './purchases/normalize';
export { describeDecision, DESCRIBED_REASONS, type DescribableDecision } from './purchases/describe';
export type { PinInput } from './purchases/pins';
export type { Product, ProductInput } from './purchases/products';
export { purchaseFactSource } from './purchases/sweep-facts';
export {
	PAYMENT_PROVIDERS,
	type GenericHmacOptions,
	type HeaderBag,
	type HmacAlgorithm,
	type PaymentProvider,
	type SignatureEncoding,
	type VerifyFailureReason,
	type VerifyResult,
} from './purchases/verify';

export type { MonitorApi } from './monitor/api';
export {
	ALERT_RULE_IDS,
	DEFAULT_ALERT_SETTINGS,
	RULE_SETTINGS_KEY,
	type AlertRuleId,
	type AlertSettings,
	type AlertSettingsPatch,
	type IngestionDropSettings,
	type PercentRuleSettings,
} from './settings/alerts';
export type { AlertItem, AlertStatus, AnnouncementRecord, DigestItem, EvaluationResult } from './monitor/alerts';
export { DEFAULT_EXPORT_FIELDS, EXPORT_COLUMNS, type ExportContactsInput } from './monitor/export';
export type { LatestSignup } from './monitor/latest';
export { monitorMetrics, prometheusText, type MetricSample } from './monitor/metrics';
export { ALERT_RULES, type AlertState, type RuleInfo, type Severity, type Verdict } from './monitor/rules';
export { UNPROCESSED_AFTER_MS, type MonitorSignals } from './monitor/signals';
export type { HistoryInput, SnapshotRecord, TakeSnapshotResult } from './monitor/snapshots';
export type { SignInAttempt, SignInDecision } from './pages/sign-in';
export { SIGN_IN_FIRST_WAIT_MS, SIGN_IN_FREE_FAILURES, SIGN_IN_MAX_WAIT_MS, signInWaitMs } from './pages/sign-in';
export type { KillSwitchView } from './pages/kill-switch-view';

export type { ChecklistApi, LedgerCleanUp } from './checklist/api';
export type { DrillOutcome } from './checklist/drill';
export type { DrilledRule, MonitoringDrillOutcome } from './checklist/monitoring';
export type { TestRevoke } from './checklist/revoke';
export type { VocabularyCheck, VocabularyTag } from './checklist/vocabulary';
export type { ChecklistRecord, RecordInput, RemovalInput } from './checklist/records';
export type { ChecklistReport, StepEvidence, StepResult, StepResultInput } from './checklist/results';
export type { ChecklistRun, StartRunInput } from './checklist/runs';
export { CHECKLIST_HEADER, routeHeaderOf } from './checklist/routing';
export { RECONCILED_TAG } from './system-tags';
export { CHECKLIST_MODES, CHECKLIST_STEP_IDS, CHECKLIST_STEPS, testLaunchOf, type ChecklistMode, type ChecklistStepId, type StepStatus } from './checklist/steps';
export type { ConfirmByTokenResult, ConfirmLinkCheck, OptInApi } from './optin/api';
export type { DoubleOptInOptions, SignupOptIn } from './optin/capture';
export type { ConfirmOutcome, UnconfirmedContact } from './optin/confirm';
export { CONFIRMATION_EMAIL_KIND, type ConfirmationSender } from './optin/rules';
export type { ReferralStanding, ReferralsApi } from './referrals/api';
export type { SignupReferral } from './referrals/capture';
export type { ReferralCredit, ReferralCreditStatus, ReferralListing, ReferralOutcome } from './referrals/credits';
export type { ReferralFields } from './referrals/fields';
export type { LeaderboardRow } from './referrals/leaderboard';
export { normalizeReferralCode, REFERRAL_PARAMETER, referralLinkFor } from './referrals/codes';
