/** The part of a browser's MessagePort used here (the compiler sees Node's types, not the DOM's). */
interface Port {
  onmessage: (() => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

/**
 * Resolves after one turn of the event loop (a macrotask, not a microtask), so that signal
 * handlers, timers and output queued meanwhile run first. Node's setImmediate where it exists
 * (no timer clamping, as before); elsewhere a MessageChannel message, which browsers deliver
 * without setTimeout's 4 ms clamp. Read through globalThis so that browsers, which lack it,
 * see undefined rather than a ReferenceError.
 */
export function yieldToEventLoop(): Promise<void> {
  const immediate = globalThis.setImmediate as ((callback: () => void) => unknown) | undefined;
  if (typeof immediate === 'function') return new Promise((resolve) => immediate(resolve));
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel() as unknown as { port1: Port; port2: Port };
    port1.onmessage = () => {
      // A port left open would keep a Node process alive; a closed one is collected anywhere.
      port1.close();
      resolve();
    };
    port2.postMessage(undefined);
  });
}
