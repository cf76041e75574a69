import type { ICredentialDataDecryptedObject, IWebhookFunctions } from 'n8n-workflow';

import type { GenericHmacOptions, HmacAlgorithm, PaymentProvider, SignatureEncoding } from '../../ledger';
import { DEFAULT_TOLERANCE, PROVIDER_CREDENTIALS } from './description';

/** The Purchase Webhook Trigger's parameters and its provider credential, read once per delivery into plain values. */
export interface DeliveryOptions {
	launch: string;
	provider: PaymentProvider;
	/** The signing secret (Gumroad: the URL secret); null when the credential is missing or empty. */
	secret: string | null;
	generic?: GenericHmacOptions;
	/** Gumroad: the token that confirms sales through its API. */
	accessToken?: string;
	toleranceSeconds?: number;
	/** Gumroad: confirm each sale through its API before a run starts. */
	confirmSales: boolean;
}

const text = (data: ICredentialDataDecryptedObject, key: string): string => (typeof data[key] === 'string' ? (data[key] as string).trim() : '');

function providerSecret(provider: PaymentProvider, data: ICredentialDataDecryptedObject): Pick<DeliveryOptions, 'secret' | 'generic' | 'accessToken'> {
	if (provider === 'gumroad') return { secret: text(data, 'urlSecret'), accessToken: text(data, 'accessToken') };
	const secret = text(data, 'signingSecret');
	if (provider !== 'generic') return { secret };
	const signed = text(data, 'signed') === 'timestamp.body' ? 'timestamp.body' : 'body';
	return {
		secret,
		generic: {
			header: text(data, 'header') || 'X-Signature',
			algorithm: (text(data, 'algorithm') || 'sha256') as HmacAlgorithm,
			encoding: (text(data, 'encoding') || 'hex') as SignatureEncoding,
			prefix: typeof data.prefix === 'string' ? data.prefix : '',
			signed,
			timestampHeader: signed === 'timestamp.body' ? text(data, 'timestampHeader') || 'X-Timestamp' : undefined,
		},
	};
}

export async function deliveryOptions(ctx: IWebhookFunctions): Promise<DeliveryOptions> {
	const provider = ctx.getNodeParameter('provider', 'stripe') as PaymentProvider;
	// A credential that cannot be read is no secret: the delivery is kept as not configured (see ledger receive).
	let credential: Pick<DeliveryOptions, 'secret' | 'generic' | 'accessToken'> = { secret: null };
	try {
		credential = providerSecret(provider, await ctx.getCredentials(PROVIDER_CREDENTIALS[provider]));
	} catch {
		credential = { secret: null };
	}
	const defaultTolerance = DEFAULT_TOLERANCE[provider];
	return {
		launch: String(ctx.getNodeParameter('launch', 'default') ?? '').trim() || 'default',
		provider,
		...credential,
		toleranceSeconds: defaultTolerance === undefined ? undefined : (ctx.getNodeParameter('toleranceSeconds', defaultTolerance) as number),
		confirmSales: provider === 'gumroad' && (ctx.getNodeParameter('confirmSale', true) as boolean),
	};
}
