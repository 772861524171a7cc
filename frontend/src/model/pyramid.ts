// A max-pyramid over a growing byte array: level k holds the maximum of each
// block of 2^k entries. The maximum over any index range is O(log n), which
// lets the zoomed-out timeline find "the most important state within this
// pixel column" without visiting every span. Appending only writes level 0;
// the levels above catch up in one batch at the next query, so ingesting
// costs one byte write per span however many spans arrive between draws.
import { GrowU8 } from './grow';

export class MaxPyramid {
  readonly levels: GrowU8[];
  /** Entries of level 0 already folded into the levels above. */
  private built = 0;

  /** `base` is level 0 (a lane passes its own state column, so it is not stored twice). */
  constructor(base: GrowU8 = new GrowU8()) {
    this.levels = [base];
  }

  get length(): number {
    return this.levels[0].length;
  }

  push(v: number): void {
    this.levels[0].push(v);
  }

  /** Folds the entries appended since the last query into the upper levels. */
  private sync(): void {
    const levels = this.levels;
    const n = levels[0].length;
    if (this.built === n) return;
    let lo = this.built; // first changed entry of the level below
    for (let k = 1; levels[k - 1].length > 1; k++) {
      const below = levels[k - 1];
      const bd = below.data;
      const bn = below.length;
      if (k >= levels.length) levels.push(new GrowU8());
      const level = levels[k];
      const jlo = lo >> 1;
      const jhi = (bn + 1) >> 1;
      for (let j = jlo; j < jhi; j++) {
        const a = bd[2 * j];
        const b = 2 * j + 1 < bn ? bd[2 * j + 1] : 0;
        const v = a > b ? a : b;
        if (j < level.length) level.data[j] = v;
        else level.push(v);
      }
      lo = jlo;
    }
    this.built = n;
  }

  /** The maximum of entries [a, b); 0 for an empty range. */
  max(a: number, b: number): number {
    if (this.built !== this.levels[0].length) this.sync();
    let res = 0;
    const levels = this.levels;
    for (let k = 0; a < b && k < levels.length; k++) {
      const d = levels[k].data;
      if (a & 1) {
        if (d[a] > res) res = d[a];
        a++;
      }
      if (b & 1) {
        b--;
        if (d[b] > res) res = d[b];
      }
      a >>= 1;
      b >>= 1;
    }
    return res;
  }
}
