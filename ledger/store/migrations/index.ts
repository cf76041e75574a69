import type { Migration } from './sql';
import { coreTables } from './001-core';
import { identityReview } from './002-identity-review';
import { tagTables } from './003-tags';
import { forgetTombstones } from './004-forget';
import { emailKeys } from './005-email-keys';
import { reviewSubjects } from './007-review-subjects';
import { outboxClaims } from './010-outbox-claims';
import { reconcilePaging } from './011-reconcile-paging';
import { purchaseTables } from './020-purchases';
import { purchaseRevokeAt } from './021-purchase-revoke-at';
import { purchaseInboxConfirmed } from './022-purchase-inbox-confirmed';
import { purchaseInboxReplay } from './023-purchase-inbox-replay';
import { purchaseInboxConfirmation } from './024-purchase-inbox-confirmation';
import { refusedBodies } from './025-refused-bodies';
import { checkoutTokens } from './027-checkout-tokens';
import { captureRejections } from './030-capture-rejections';
import { captureRejectionBodies } from './031-capture-rejection-bodies';
import { captureFormStamps } from './034-capture-form-stamps';
import { monitorTables } from './040-monitor';
import { pageSignIn } from './050-page-sign-in';
import { checklistTables } from './060-checklist';
import { checklistRoutes } from './061-checklist-routes';
import { reconcileSeenLean } from './065-reconcile-seen-lean';
import { sweepAnnouncements } from './068-sweep-announcements';
import { touchesWithoutNul } from './078-touches-without-nul';
import { abuseSignals } from './085-abuse-signals';
import { referralTables } from './090-referrals';
import { doubleOptIn } from './091-double-opt-in';
import { referralFields } from './093-referral-fields';
import { referralSignals } from './094-referral-signals';
import { lineCountsClustered } from './095-line-counts-clustered';

/**
 * Every migration, in the order they apply. Add a new file per change (never edit a released one).
 * Version ranges per area keep parallel work from colliding: 1–9 identity/tags/events,
 * 10–19 outbox/settings, 20–29 purchases/inbox/access, 30–39 capture, 40–49 monitoring,
 * 50–59 pages, 60–64 the pre-launch checklist, 65–69 reconciliation and scale-out, 70–79 vendors and
 * hostile input, 80–84 forget and consent, 85–89 abuse signals, 90–99 referrals and opt-in.
 */
export const migrations: Migration[] = [coreTables, identityReview, tagTables, forgetTombstones, emailKeys, reviewSubjects, outboxClaims, reconcilePaging, purchaseTables, purchaseRevokeAt, purchaseInboxConfirmed, purchaseInboxReplay, purchaseInboxConfirmation, refusedBodies, checkoutTokens, captureRejections, captureRejectionBodies, captureFormStamps, monitorTables, pageSignIn, checklistTables, checklistRoutes, reconcileSeenLean, sweepAnnouncements, touchesWithoutNul, abuseSignals, referralTables, doubleOptIn, referralFields, referralSignals, lineCountsClustered].sort((a, b) => a.version - b.version);
