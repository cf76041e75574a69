import type { Store } from '../store';
import { captureContext, captureSecret, captureSignup, type CaptureResult } from './capture';
import { listCaptureRejections, recordCaptureRejection, type CaptureRejection, type RecordedRejection } from './rejections';

/** Signup capture: one transaction per accepted signup, committed before the HTTP answer. */
export class CaptureApi {
	private readonly secrets = new Map<string, Promise<string>>();

	constructor(private readonly store: Store) {}

	capture(input: Parameters<typeof captureSignup>[1]): Promise<CaptureResult> {
		return this.store.transaction((tx) => captureSignup(tx, input));
	}

	recordRejection(rejection: CaptureRejection): Promise<number> {
		return this.store.transaction((tx) => recordCaptureRejection(tx, rejection));
	}

	rejections(launch: string, limit?: number): Promise<RecordedRejection[]> {
		return listCaptureRejections(this.store, launch, limit);
	}

	context(launch: string): ReturnType<typeof captureContext> {
		return captureContext(this.store, launch);
	}

	/** Cached per process: the secret never changes once made. */
	secret(launch: string): Promise<string> {
		let secret = this.secrets.get(launch);
		if (!secret) {
			secret = this.store.transaction((tx) => captureSecret(tx, launch));
			secret.catch(() => this.secrets.delete(launch));
			this.secrets.set(launch, secret);
		}
		return secret;
	}
}
