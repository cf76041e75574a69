import { LedgerInputError } from '../../../ledger';

/** One campaign source the creator lists, e.g. "instagram / social / spring-launch". */
export interface CampaignSource {
	utm_source: string;
	utm_medium: string;
	utm_campaign: string;
}

export const UTM_FIELDS = ['utm_source', 'utm_medium', 'utm_campaign'] as const;
const MAX_SOURCES = 10;
const EXAMPLE = 'one per line, "source / medium / campaign", e.g. "instagram / social / spring-launch"';

/** The Campaign Sources parameter: lines of "source / medium / campaign" (medium and campaign may be empty). */
export function parseSources(text: string): CampaignSource[] {
	const lines = text.split(/\r?\n|;/).map((l) => l.trim()).filter((l) => l !== '');
	if (lines.length === 0) throw new LedgerInputError('sources', `lists no source; write ${EXAMPLE}`);
	if (lines.length > MAX_SOURCES) throw new LedgerInputError('sources', `lists ${lines.length} sources; at most ${MAX_SOURCES} per run`);
	const seen = new Set<string>();
	return lines.map((line, i) => {
		const [source = '', medium = '', campaign = '', ...rest] = line.split('/').map((p) => p.trim());
		if (source === '' || rest.length > 0) throw new LedgerInputError(`sources[${i}]`, `"${line}" is not "source / medium / campaign"; write ${EXAMPLE}`);
		if (seen.has(source.toLowerCase())) throw new LedgerInputError(`sources[${i}]`, `"${source}" is listed twice; list each source once`);
		seen.add(source.toLowerCase());
		return { utm_source: source, utm_medium: medium, utm_campaign: campaign };
	});
}
