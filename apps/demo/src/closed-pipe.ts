/** What {@link exitQuietlyOnClosedPipe} needs of an output stream. */
export interface ErrorSource {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * When the reader of `stream` goes away (`npm run demo | head`), writing fails with EPIPE: the
 * demo then has no one to show anything to, and exits at once with `exit(0)` instead of
 * crashing with a stack trace. Any other error is thrown as before.
 */
export function exitQuietlyOnClosedPipe(stream: ErrorSource, exit: (code: number) => void): void {
  stream.on('error', (error) => {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') exit(0);
    else throw error;
  });
}
