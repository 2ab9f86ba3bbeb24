/**
 * Lets the event loop run (AbortSignal timers, UI events, worker messages)
 * during a long synchronous-looking solve. setTimeout is clamped to ≥ 1–4 ms,
 * so use setImmediate in Node and a MessageChannel round trip in browsers.
 */
const g = globalThis as unknown as { setImmediate?: (cb: () => void) => void };

let channel: MessageChannel | undefined;
const waiting: (() => void)[] = [];

export function yieldToEventLoop(): Promise<void> {
  if (typeof g.setImmediate === 'function') {
    return new Promise((resolve) => g.setImmediate!(resolve));
  }
  if (typeof MessageChannel !== 'undefined') {
    if (!channel) {
      channel = new MessageChannel();
      channel.port1.onmessage = () => waiting.shift()?.();
    }
    return new Promise((resolve) => {
      waiting.push(resolve);
      channel!.port2.postMessage(0);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export const now: () => number =
  typeof performance !== 'undefined' ? () => performance.now() : () => Date.now();
