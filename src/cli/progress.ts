/**
 * Progress of a long run on stderr: on a terminal, one bar redrawn in place with the count, the
 * rate and the time left; elsewhere (logs, CI, pipes), a plain line every tenth of the way.
 */
import type { CliIo } from './cli-io.js';

const BAR_WIDTH = 28;
const REDRAW_MS = 100;

export class Progress {
  private done = 0;
  private readonly startedAt: number;
  private lastDraw = 0;
  private lastTenth = 0;
  private readonly now: () => number;

  constructor(
    private readonly io: CliIo,
    private readonly label: string,
    private total: number,
  ) {
    this.now = io.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** `count` more done; the total may grow (a write planned on the way). */
  tick(count = 1, total = this.total): void {
    this.done += count;
    this.total = Math.max(total, this.done);
    const now = this.now();
    if (this.io.stderrIsTTY) {
      if (now - this.lastDraw >= REDRAW_MS) {
        this.lastDraw = now;
        this.io.stderr(`\r${this.line(now)}\u001b[K`);
      }
      return;
    }
    const tenth = Math.floor((10 * this.done) / Math.max(1, this.total));
    if (tenth > this.lastTenth) {
      this.lastTenth = tenth;
      this.io.stderr(`${this.line(now)}\n`);
    }
  }

  /** Ends the bar (leaving its final state on screen). */
  finish(): void {
    if (this.io.stderrIsTTY) this.io.stderr(`\r${this.line(this.now())}\u001b[K\n`);
  }

  get seconds(): number {
    return (this.now() - this.startedAt) / 1000;
  }

  line(now: number): string {
    const fraction = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
    const seconds = Math.max(0.001, (now - this.startedAt) / 1000);
    const rate = this.done / seconds;
    const left = rate > 0 ? (this.total - this.done) / rate : Infinity;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = this.io.stderrIsTTY
      ? `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] `
      : '';
    const count = `${this.done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')}`;
    return `${this.label} ${bar}${count} ${String(Math.round(fraction * 100)).padStart(3)}%  ${Math.round(rate).toLocaleString('en-US')}/s  ETA ${duration(left)}`;
  }
}

/** "1:05", "12:03:09", "--:--" when unknown. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const whole = Math.max(0, Math.round(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
