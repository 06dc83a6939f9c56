import { type DeltaLaw, LawKind } from '../delta-law.ts';
import { AppendLog } from './append-log.ts';
import { EphemeralEntries } from './ephemeral-entries.ts';
import { FrameValues } from './frame-values.ts';
import type { LawState } from './law-state.ts';
import { LwwRegister } from './lww-register.ts';
import { ObservedSet } from './observed-set.ts';
import { PnCounter } from './pn-counter.ts';

/** A fresh, empty state for `law`. */
export function createLawState(law: DeltaLaw): LawState {
  switch (law.kind) {
    case LawKind.Lww:
      return new LwwRegister();
    case LawKind.AppendLog:
      return new AppendLog(law.maxEntries, law.maxBytes);
    case LawKind.AddWinsSet:
      return new ObservedSet(false, law.maxElements, law.maxWriters);
    case LawKind.RemoveWinsSet:
      return new ObservedSet(true, law.maxElements, law.maxWriters);
    case LawKind.PnCounter:
      return new PnCounter();
    case LawKind.Ephemeral:
      return new EphemeralEntries(law.ttlUs);
    case LawKind.Frames:
      return new FrameValues(law.frameUs, law.maxFrames);
  }
}
