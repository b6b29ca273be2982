import type { WorkerReply, WorkerRequest } from './protocol.js';
import { createSession } from './session.js';

/** The worker's global scope, as much of it as this file uses (the page's lib is DOM's). */
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(reply: WorkerReply): void;
};

const session = createSession((reply) => scope.postMessage(reply));
scope.onmessage = (event) => void session.handle(event.data);
