// Coalesces changes into frames: the first change after a quiet spell is drawn on the next
// turn of the event loop (so a relist of 2,000 pods, delivered as 2,000 synchronous
// notifications, is one frame), and further changes wait until a minimum interval has passed
// since the last frame. A slow control plane that sends bursts therefore costs at most
// 1000/intervalMs frames a second.
import type { Clock, TimerHandle } from './clock.js';

export class FrameScheduler {
  private timer?: TimerHandle;
  private lastFrame = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly minIntervalMs: number,
    private readonly frame: () => void,
  ) {}

  /** Asks for a frame; many requests before it is drawn make one frame. */
  request(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastFrame + this.minIntervalMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.lastFrame = this.clock.now();
      this.frame();
    }, wait);
  }

  cancel(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
