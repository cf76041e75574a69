/**
 * The ledger's internal entry: what tests, benches and scripts use beyond the public entry (./index).
 * Transaction-level functions (each runs inside the caller's transaction), the store and its SQL
 * helpers, the rules' pure parts, the merge/forget step lists the Ledger hands to contacts, and the
 * benches' baselines. Nodes never import this: they go through the Ledger facade.
 */

// Store, ids, events.
export { createStore, forUpdate, inList, LATEST_SCHEMA_VERSION, migrate, PostgresStore, SqliteStore } from './store';
export type { Dialect, Row, SqlExecutor, SqlValue, Store } from './store';
export { ensurePostgresDatabase, type PostgresServer } from './store/pg-admin';
export { createRawContactsTable, dropStagedRecords, FLOOR_LAUNCH, insertReferralCodeAlone, placeByCounting, rawUpsertContact, readLineEntryAlone, seedPlainContacts, stageRecordsAlone, writeSignupRowsAlone } from './store/baselines';
export { timeOrderedUuid } from './ids';
export { listEvents, listLaunchEvents, recordEvent, recordEvents, type NewLedgerEvent } from './events';
export { admitRefusal, countRefusal, keptBody, KEPT_PREFIX_BYTES, REFUSAL_WINDOW_MS, REFUSALS_KEPT_PER_SOURCE, wholeBody } from './refusals';

// Shared rules.
export { applyTouch, combineTouches, normalizeTouch, type AttributionInput, type TouchState } from './attribution';
export { normalizeEmail, normalizeIdentifier, normalizePhone, normalizeTagKey, type NormalizedEmail } from './normalize';
export { emailSkeleton } from './lookalike';
export { HOLDING_TAG, PHONE_UNRECOGNIZED_TAG, RECONCILED_TAG } from './system-tags';

// What merge, unmerge and forget do to other resources' rows: the Ledger's lists and their parts.
export { CONTACT_STEPS } from './ledger';
export type { ContactSteps, ForgetContext, ForgetStep, MergeStep, MergeStepContext } from './contacts/steps';

// Contacts.
export { isEmptyValue, mergeFieldValue, mergeProfile, type ObservedValue, type ProfileState } from './contacts/field-merge';
export { forgetContact } from './contacts/forget';
export { linkIdentifier, unlinkIdentifier } from './contacts/identifiers';
export { mergeContacts } from './contacts/merge';
export { countContacts, findContact, getContact } from './contacts/records';
export { forgottenAt, isForgotten } from './contacts/tombstones';
export { unmergeContact } from './contacts/unmerge';
export { upsertContact } from './contacts/upsert';
export { upsertContactAlone } from './contacts/upsert-alone';
export { UPSERT_MANY_CHUNK, upsertContactsInOrder } from './contacts/upsert-many';

// Settings, review, tags.
export { getLaunchSettings, MERGE_POLICIES, updateLaunchSettings } from './settings/settings';
export { closeReviewSubjects, listReviewItems, openReviewItem, resolveReviewItem } from './review/review';
export * as reviewSubjects from './review/subjects';
export { applyTags, removeTags } from './tags/contact-tags';
export { planTags, writeTagPlan } from './tags/plan';
export { resolveTags, tagList } from './tags/resolve';

// Abuse signals.
export { assessSignup } from './abuse/assess';
export { DISPOSABLE_DOMAINS } from './abuse/disposable-domains';
export { abuseFlagsFor, recordAbuseFlags } from './abuse/flags';
export { countFlaggedSince, listFlaggedSignups } from './abuse/list';
export { decideFlaggedContact, holdSyncForReview } from './abuse/review';
export { abuseKeyHash, abuseSettings, disposableDomainOf, emailPatternKey, networkOf, normalizeDomain } from './abuse/rules';
export { countInWindow } from './abuse/velocity';

// Capture.
export { captureSignup } from './capture/capture';
export { attributionToStore } from './capture/policy';
export { listCaptureRejections, recordCaptureRejection } from './capture/rejections';

// Outbox.
export { claimDueOutboxEntries } from './outbox/claim';
export { ClaimKeeper, renewOutboxClaims } from './outbox/keep-alive';
export { DEFAULT_MAX_ATTEMPTS, enqueueOutboxEntries, enqueueOutboxEntry } from './outbox/enqueue';
export { OUTBOX_STATUSES } from './outbox/entry';
export { countOutboxEntries, listOutboxEntries } from './outbox/list';
export { outboxRetryDelay } from './outbox/retry';
export { ackOutboxEntries, failOutboxEntries, releaseOutboxEntries } from './outbox/settle';

// Reconcile.
export { announcementKeyOf, DEFAULT_REPEAT_AFTER_MS } from './reconcile/announcements';
export { listSweepFindings } from './reconcile/findings';
export { runReconcileSweep } from './reconcile/sweep';

// Purchases.
export { accessTarget, nextAccessState, type AccessTarget } from './purchases/access-state';
export { applyPurchaseEvent, applyPurchaseEventJson, processInboxEntry } from './purchases/apply';
export { issueCheckoutToken, markCheckoutTokenUsed } from './purchases/checkout-token';
export { CONFIRMATION_PENDING, recordConfirmation, recordDelivery } from './purchases/inbox';
export { confirmSale, receiveWebhook } from './purchases/receive';
export { matchPurchase } from './purchases/match';
export { CHECKOUT_TOKEN_KEY, normalizePurchaseEvent, readPurchaseEvent } from './purchases/normalize';
export { dueRevocations, pinAccess, unpinAccess } from './purchases/pins';
export { DEFAULT_TOLERANCE_SECONDS, headerValue, keptHeaders, verifyWebhook, type VerifyInput } from './purchases/verify';

// Launch monitor.
export { validateAlertSettings } from './settings/alerts';
export { seedLaunchHistory } from './monitor/bench-seed';
export { seedLine } from './referrals/bench-seed';
export { csvCell } from './monitor/export';
export { latestSignupsStatement } from './monitor/latest';
export { advanceAlert, initialState, judgeRule } from './monitor/rules';
export { computeSignals, signalStatements } from './monitor/signals';

// Pre-launch checklist.
export { deleteTestLaunch, launchTables, testLaunchLeftovers } from './checklist/cleanup';
export { isTestLaunch } from './checklist/steps';
// Referrals and the line.
export { mailboxKey, newReferralCode } from './referrals/codes';
export { recordReferral } from './referrals/credits';
export { joinLine, leaveLine, placeInLine, rebuildLineCounts, setSpotsPerReferral, updateLineEntry } from './referrals/line';
export { LINE_LEVELS, lineCountChanges, lineKey, lineRangesBelow, lineScore, placeByScan } from './referrals/line-key';
export { leaderboardName, readLeaderboard } from './referrals/leaderboard';
export { queueReferralFieldUpdates, referralFieldsForClaim } from './referrals/fields';
