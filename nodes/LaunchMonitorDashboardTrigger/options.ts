import type { IWebhookFunctions } from 'n8n-workflow';

/** The Launch Monitor Dashboard Trigger's parameters, read once per request into plain values. */
export interface DashboardTriggerOptions {
	launch: string;
	title: string;
	/** 10–3600 seconds. */
	refreshSeconds: number;
	killSwitchUrl: string;
	checklistReportUrl: string;
	/** Profile fields the CSV adds as columns; undefined: the ledger's default list. */
	exportFields: string[] | undefined;
	includeTest: boolean;
}

interface OptionSettings {
	checklistReportUrl?: string;
	exportFields?: string;
	includeTest?: boolean;
	killSwitchUrl?: string;
	refreshSeconds?: number;
	title?: string;
}

export function dashboardTriggerOptions(ctx: IWebhookFunctions): DashboardTriggerOptions {
	const options = ctx.getNodeParameter('options', {}) as OptionSettings;
	const refresh = Number(options.refreshSeconds ?? 60);
	return {
		launch: String(ctx.getNodeParameter('launch', 'default') ?? '').trim() || 'default',
		title: (options.title ?? '').trim() || 'Launch monitor',
		refreshSeconds: Number.isFinite(refresh) ? Math.min(3600, Math.max(10, refresh)) : 60,
		killSwitchUrl: (options.killSwitchUrl ?? '').trim() || '/webhook/waitlist-kill-switch',
		checklistReportUrl: (options.checklistReportUrl ?? '').trim() || '/webhook/pre-launch-checklist-report',
		exportFields:
			options.exportFields === undefined
				? undefined
				: options.exportFields
						.split(',')
						.map((f) => f.trim())
						.filter((f) => f !== ''),
		includeTest: options.includeTest === true,
	};
}
