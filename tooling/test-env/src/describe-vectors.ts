import { describe, expect, it } from 'vitest';
import { readVectors, vectorsAbsentReason } from './vectors.ts';

/**
 * Declares a suite over one reference vector file. When the file is absent (a user's clone
 * without `../shared`), the suite holds a single test that says so; that test fails under CI,
 * which always lays the vectors beside the clone.
 */
export function describeVectors<T>(file: string, body: (vectors: T) => void): void {
  const reason = vectorsAbsentReason(file);
  if (reason !== undefined) {
    describe(file, () => {
      it(`cannot run: ${reason}`, () => {
        console.warn(`[elara] ${reason}; the byte-compatibility suite did not run`);
        expect(process.env['CI'], 'CI must provide ../shared/vectors').not.toBe('true');
      });
    });
    return;
  }
  describe(file, () => body(readVectors<T>(file)));
}
