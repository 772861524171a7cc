// Growable typed arrays: the columnar storage under the event store and the
// span lists. Amortised O(1) push; `data` may be replaced on growth, so read it
// after pushing, never cache it across pushes.

type TypedCtor<T> = { new (n: number): T };

abstract class Grow<T extends Float64Array | Int32Array | Uint8Array> {
  data: T;
  length = 0;

  constructor(private readonly ctor: TypedCtor<T>, capacity = 16) {
    this.data = new ctor(Math.max(1, capacity));
  }

  /** Doubles the capacity (push calls this when full). */
  protected grow(): void {
    const next = new this.ctor(this.data.length * 2);
    next.set(this.data);
    this.data = next;
  }

  abstract push(v: number): void;

  get(i: number): number {
    return this.data[i];
  }

  last(): number {
    return this.data[this.length - 1];
  }

  /** A copy of the used part (for tests and snapshots). */
  toArray(): number[] {
    return Array.from(this.data.subarray(0, this.length));
  }
}

export class GrowF64 extends Grow<Float64Array> {
  constructor(capacity = 16) {
    super(Float64Array, capacity);
  }

  // Each subclass has its own push so that the store in it sees one array type (a monomorphic, inlinable store).
  push(v: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = v;
  }
}

export class GrowI32 extends Grow<Int32Array> {
  constructor(capacity = 16) {
    super(Int32Array, capacity);
  }

  push(v: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = v;
  }
}

export class GrowU8 extends Grow<Uint8Array> {
  constructor(capacity = 16) {
    super(Uint8Array, capacity);
  }

  push(v: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = v;
  }
}

/** First index i in [lo, hi) with a[i] > x (a sorted ascending), or hi. */
export function upperBound(a: ArrayLike<number>, x: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i in [lo, hi) with a[i] >= x (a sorted ascending), or hi. */
export function lowerBound(a: ArrayLike<number>, x: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
