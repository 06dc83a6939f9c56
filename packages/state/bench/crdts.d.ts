// The few members of crdts 0.2 (orbitdb, untyped JavaScript) that the evaluation uses.
declare module 'crdts' {
  export class ORSet<T = unknown> {
    add(value: T, tag?: unknown): void;
    remove(value: T): void;
    has(value: T): boolean;
  }
  export class PNCounter {
    constructor(id: string);
    increment(amount: number): void;
    decrement(amount: number): void;
    readonly value: number;
  }
}
