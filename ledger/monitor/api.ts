import { LedgerInputError } from '../errors';
import type { Store } from '../store';
import type { AlertRuleId } from '../settings/alerts';
import {
	acknowledgeAlert,
	evaluateAlerts,
	listAlerts,
	listAnnouncements,
	silenceAlerts,
	unsilenceAlerts,
	type AlertStatus,
	type AnnouncementRecord,
	type EvaluationResult,
} from './alerts';
import { exportContactsCsv, type ExportContactsInput } from './export';
import { latestSignups, type LatestSignup } from './latest';
import { monitorMetrics, prometheusText } from './metrics';
import { computeSignals, type MonitorSignals } from './signals';
import { readAlertSettings, snapshotHistory, takeSnapshot, validateLaunch, validateNow, type HistoryInput, type SnapshotRecord, type TakeSnapshotResult } from './snapshots';

/**
 * The launch monitor as the nodes and the dashboard use it: signals for a window, snapshots kept in
 * the ledger, alert evaluation with its announcements, a person's acknowledge / silence, history for
 * sparklines, Prometheus numbers and the contacts CSV. Every method takes `now` where time matters,
 * so schedules and tests control the clock.
 */
export class MonitorApi {
	constructor(private readonly store: Store) {}

	/**
	 * The signals of a window, computed now and not kept (Get Signals, the dashboard's live tiles).
	 * Default: the launch's window length (alerts.windowSeconds) ending at `now`; `from`/`to` pick
	 * any other window.
	 */
	async signals(input: { launch: string; now?: number; windowMs?: number; from?: number; to?: number }): Promise<MonitorSignals> {
		const launch = validateLaunch(input.launch);
		const now = validateNow(input.now);
		const settings = await readAlertSettings(this.store, launch);
		if (input.windowMs !== undefined && (!Number.isInteger(input.windowMs) || input.windowMs < 1000)) {
			throw new LedgerInputError('windowMs', `must be a whole number of milliseconds, at least 1000; got ${JSON.stringify(input.windowMs)}`);
		}
		const to = input.to ?? now;
		const from = input.from ?? to - (input.windowMs ?? settings.windowSeconds * 1000);
		return computeSignals(this.store, { launch, from, to, now, paidMediums: settings.paidMediums, liveAt: settings.liveAt });
	}

	/** Keeps the last complete window before `now` (once, whichever worker is first) and prunes old rows. */
	takeSnapshot(input: { launch: string; now?: number }): Promise<TakeSnapshotResult> {
		return takeSnapshot(this.store, input);
	}

	/** Kept snapshots in time order; by default the launch's windows of the last 24 hours. */
	history(input: HistoryInput): Promise<SnapshotRecord[]> {
		return snapshotHistory(this.store, input);
	}

	/** Snapshot (if not taken yet), judge every rule, and return what is to be announced. */
	evaluate(input: { launch: string; now?: number }): Promise<EvaluationResult> {
		return evaluateAlerts(this.store, input);
	}

	/** Every rule's alert state. */
	alerts(launch: string, now?: number): Promise<AlertStatus[]> {
		return listAlerts(this.store, launch, now);
	}

	/** The alerts firing now. */
	async firing(launch: string, now?: number): Promise<AlertStatus[]> {
		return (await listAlerts(this.store, launch, now)).filter((a) => a.state === 'firing');
	}

	acknowledge(input: { launch: string; rule: AlertRuleId | string; by: string; note?: string; now?: number }): Promise<AlertStatus> {
		return this.store.transaction((tx) => acknowledgeAlert(tx, input));
	}

	/** `rule` may be "all". */
	silence(input: { launch: string; rule: AlertRuleId | 'all' | string; until: number | string; by: string; reason?: string; now?: number }): Promise<AlertStatus[]> {
		return this.store.transaction((tx) => silenceAlerts(tx, input));
	}

	unsilence(input: { launch: string; rule: AlertRuleId | 'all' | string; by: string; now?: number }): Promise<AlertStatus[]> {
		return this.store.transaction((tx) => unsilenceAlerts(tx, input));
	}

	/** Announcements made, newest first. */
	announcements(launch: string, options?: { limit?: number; since?: number }): Promise<AnnouncementRecord[]> {
		return listAnnouncements(this.store, launch, options);
	}

	/** The signals of the window ending at `now` and the alert states, in Prometheus text format. */
	async prometheus(input: { launch: string; now?: number }): Promise<string> {
		const signals = await this.signals(input);
		return prometheusText(monitorMetrics(signals, await this.alerts(input.launch, input.now)));
	}

	/** The newest signups (active, not dry runs), newest first: the dashboard's "latest signups". */
	latestSignups(input: { launch: string; limit?: number; now?: number }): Promise<LatestSignup[]> {
		return latestSignups(this.store, input);
	}

	/** The launch's contacts as CSV, a page of lines per chunk (the header first); never all in memory. */
	exportContactsCsv(input: ExportContactsInput): AsyncGenerator<string> {
		return exportContactsCsv(this.store, input);
	}
}
