import type { Store } from '../store';
import { captureContext, captureSecret, captureSignup, type CaptureResult } from './capture';
import { carriedFromVisit, signupForm, type FormVisit, type LaunchCaptureFacts, type SignupForm } from './form';
import type { CaptureOptions } from './policy';
import { listCaptureRejections, recordCaptureRejection, type CaptureRejection, type RecordedRejection } from './rejections';
import { submitSignup, type SignupSubmission, type SubmitResult } from './submit';

/** Signup capture: one transaction per accepted signup, committed before the HTTP answer. */
export class CaptureApi {
	private readonly secrets = new Map<string, Promise<string>>();

	constructor(private readonly store: Store) {}

	/**
	 * One signup as received, to its verdict: accepted (captured, with the valid signup) or refused
	 * (status, reason, field errors — and the refusal recorded). See capture/submit.ts.
	 */
	async submit(submission: SignupSubmission): Promise<SubmitResult> {
		return submitSignup(this.store, await this.launchFacts(submission.launch), submission);
	}

	/** The hosted form for a visit: its fields, honeypot, and hidden inputs (campaign values, signed shown-at time). */
	async formContext(launch: string, options: CaptureOptions, visit: FormVisit = {}): Promise<SignupForm> {
		return signupForm(options, await this.launchFacts(launch), carriedFromVisit(visit));
	}

	/** Commits an already-validated signup (what `submit` does once the signup is accepted). */
	capture(input: Parameters<typeof captureSignup>[1]): Promise<CaptureResult> {
		return this.store.transaction((tx) => captureSignup(tx, input));
	}

	/** Records a refusal (what `submit` does for each one); null when its address was over the cap and it was only counted. */
	recordRejection(rejection: CaptureRejection): Promise<number | null> {
		return this.store.transaction((tx) => recordCaptureRejection(tx, rejection));
	}

	rejections(launch: string, limit?: number): Promise<RecordedRejection[]> {
		return listCaptureRejections(this.store, launch, limit);
	}

	/** The launch's secret, cached per process: it never changes once made. */
	private secret(launch: string): Promise<string> {
		let secret = this.secrets.get(launch);
		if (!secret) {
			secret = this.store.transaction((tx) => captureSecret(tx, launch));
			secret.catch(() => this.secrets.delete(launch));
			this.secrets.set(launch, secret);
		}
		return secret;
	}

	private async launchFacts(launch: string): Promise<LaunchCaptureFacts> {
		const secret = await this.secret(launch);
		return { ...(await captureContext(this.store, launch)), secret };
	}
}
