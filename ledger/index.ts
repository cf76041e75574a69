export { ForgottenIdentityError, LedgerInputError } from './errors';
export { ATTRIBUTION_KEYS, type Touch } from './attribution';
export { listEvents, listLaunchEvents, recordEvent, recordEvents, type EventFilter, type LedgerEvent, type NewLedgerEvent } from './events';
export { forgottenAt, isForgotten } from './contacts/tombstones';
export type { ContactSteps, ForgetContext, ForgetStep, MergeStep, MergeStepContext } from './contacts/steps';
export { linkIdentifier, type LinkIdentifierInput, type LinkIdentifierResult } from './contacts/identifiers';
export type { IdentifierInput, UpsertContactInput } from './contacts/input';
export type { MergeContactsInput } from './contacts/merge';
export { findContact, getContact, type ContactRecord } from './contacts/records';
export { upsertContact, type UpsertContactResult } from './contacts/upsert';
export type { UpsertManyOutcome } from './contacts/upsert-many';
export { isEmptyValue, mergeFieldValue } from './contacts/field-merge';
export { normalizeEmail, normalizeIdentifier, normalizePhone, normalizeTagKey, type NormalizedIdentifier } from './normalize';
export { listReviewItems, openReviewItem, resolveReviewItem, type ReviewItem } from './review/review';
export {
	DEFAULT_LAUNCH_SETTINGS,
	getLaunchSettings,
	updateLaunchSettings,
	type LaunchSettings,
	type LaunchSettingsPatch,
	type MergePolicy,
	type UnknownTagPolicy,
} from './settings/settings';
export { applyTags } from './tags/contact-tags';
export { planTags, writeTagPlan, type TagChangeResult, type TagPlan } from './tags/plan';
export type { RegistryDocument, RegistryTag } from './tags/registry';
export { resolveTags, type ResolvedTag, type TagKind } from './tags/resolve';
export type { ClaimOutboxInput } from './outbox/claim';
export { DEFAULT_MAX_ATTEMPTS, enqueueOutboxEntry, type EnqueueOutboxInput, type EnqueueOutboxResult } from './outbox/enqueue';
export { OUTBOX_STATUSES, type ClaimedOutboxEntry, type OutboxEntry, type OutboxKind, type OutboxStatus } from './outbox/entry';
export type { OutboxHealth } from './outbox/health';
export type { PauseScope, PauseState } from './outbox/kill-switch';
export { outboxRetryDelay, parseRetryAfter } from './outbox/retry';
export type { AckResult, ClaimProof, FailOutboxInput, FailResult } from './outbox/settle';
export { OutboxApi } from './outbox/api';
export { ReconcileApi } from './reconcile/api';
export { HOLDING_TAG, RECONCILED_TAG } from './system-tags';
export { runReconcileSweep } from './reconcile/sweep';
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
export { DEFAULT_CAPTURE_POLICY, DEFAULT_PAID_MEDIUMS, attributionToStore, type AttributionWithoutConsent, type CapturePolicy } from './capture/policy';
export { signFormTimestamp, validateSignup, type FieldError, type SignupVerdict, type ValidSignup } from './capture/validate';
export type { CaptureResult } from './capture/capture';
export { CaptureApi } from './capture/api';
export {
	DEFAULT_TOLERANCE_SECONDS,
	PAYMENT_PROVIDERS,
	headerValue,
	keptHeaders,
	verifyWebhook,
	type GenericHmacOptions,
	type HeaderBag,
	type HmacAlgorithm,
	type PaymentProvider,
	type SignatureEncoding,
	type VerifyFailureReason,
	type VerifyInput,
	type VerifyResult,
} from './purchases/verify';
export { CHECKOUT_TOKEN_KEY, PURCHASE_EVENT_TYPES, normalizePurchaseEvent, parseWebhookBody, type PurchaseEvent, type PurchaseEventType } from './purchases/normalize';
export { CONFIRMATION_PENDING, recordConfirmation, recordDelivery, receiveWebhook, type SaleConfirmation, type InboxEntry, type InboxFilter, type InboxStatus, type ReceiveWebhookInput, type ReceiveWebhookResult, type RecordDeliveryInput, type RecordDeliveryResult } from './purchases/inbox';
export type { AccessRecord } from './purchases/access';
export { accessTarget, nextAccessState, type AccessDecision, type AccessPin, type AccessState } from './purchases/access-state';
export { applyPurchaseEvent, processInboxEntry, type ApplyPurchaseOptions } from './purchases/apply';
export { createCheckoutToken, type CheckoutToken } from './purchases/checkout-token';
export type { PurchaseDecision } from './purchases/decision';
export { purchaseFactSource } from './purchases/sweep-facts';
export { matchPurchase, type MatchedBy } from './purchases/match';
export { dueRevocations, pinAccess, unpinAccess } from './purchases/pins';
export type { Product, ProductInput } from './purchases/products';
export { PurchasesApi, type ReplayOutcome } from './purchases/api';
export { CONTACT_STEPS, Ledger } from './ledger';
export { closeAllLedgers, closeLedgersOnExit, getLedger } from './registry';
export { createStore, defaultSqlitePath, openStore, LATEST_SCHEMA_VERSION, type StoreConfig } from './store';
