import type { Store } from '../store';
import { readKillSwitchView, type KillSwitchView } from './kill-switch-view';
import { decideSignIn, type SignInAttempt, type SignInDecision } from './sign-in';

/** The pages the pack serves from n8n (kill switch, dashboard, review desk): who may sign in. One transaction per call. */
export class PagesApi {
	constructor(private readonly store: Store) {}

	/**
	 * One sign-in attempt, after the page compared the credential: allowed, or refused with 401 (wrong)
	 * or 429 and the seconds to wait (too many failures in a row from this address). Counted for the
	 * monitor's `signIn` signal and the `sign_in_failures` alert.
	 */
	signIn(input: SignInAttempt): Promise<SignInDecision> {
		return this.store.transaction((tx) => decideSignIn(tx, input));
	}

	/** The kill-switch page's state: the switch, held entries, recent wrong passwords. */
	killSwitchView(launch: string, now?: number): Promise<KillSwitchView> {
		return this.store.transaction((tx) => readKillSwitchView(tx, launch, now));
	}
}
