import { ElaraError } from '@elara/core';

/** The run was interrupted (Ctrl-C) before it had anything to compare. */
export class DemoInterruptedError extends ElaraError {
  static override readonly code: string = 'DemoInterruptedError';
}

/** The exit code after Ctrl-C: 128 + SIGINT's number, as shells report it. */
export const INTERRUPTED_EXIT_CODE = 130;

/** What {@link interruptOnSigint} needs of the process. */
export interface SignalSource {
  on(event: 'SIGINT', listener: () => void): unknown;
  off(event: 'SIGINT', listener: () => void): unknown;
  exit(code: number): void;
}

/**
 * Ctrl-C for the demo: the first SIGINT aborts `signal` (the demo stops the chat, prints the
 * verdict so far marked `interrupted`, stops its nodes and exits 130); a second one exits at
 * once with 130, for a run that does not stop. `release()` removes the handler.
 */
export function interruptOnSigint(proc: SignalSource): {
  signal: AbortSignal;
  release(): void;
} {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) proc.exit(INTERRUPTED_EXIT_CODE);
    else controller.abort();
  };
  proc.on('SIGINT', onSigint);
  return { signal: controller.signal, release: () => void proc.off('SIGINT', onSigint) };
}
