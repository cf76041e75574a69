/** Pieces every benchmark shares: `--name=value` arguments and a peak-RSS sampler. */

export function arg(name: string, fallback: string): string {
	const found = process.argv.find((a) => a.startsWith(`--${name}=`));
	return found ? found.slice(name.length + 3) : fallback;
}

/** Samples the process RSS every 25 ms between start() and stop(); stop() returns the peak. */
export class RssSampler {
	peak = 0;
	private timer: NodeJS.Timeout | undefined;
	start(): void {
		this.peak = process.memoryUsage().rss;
		this.timer = setInterval(() => (this.peak = Math.max(this.peak, process.memoryUsage().rss)), 25);
	}
	stop(): number {
		clearInterval(this.timer);
		this.peak = Math.max(this.peak, process.memoryUsage().rss);
		return this.peak;
	}
}
