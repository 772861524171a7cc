// A max-pyramid over a growing byte array: level k holds the maximum of each
// block of 2^k entries. Appending is O(log n) and the maximum over any index
// range is O(log n), which lets the zoomed-out timeline find "the most
// important state within this pixel column" without visiting every span.
import { GrowU8 } from './grow';

export class MaxPyramid {
  readonly levels: GrowU8[] = [new GrowU8()];

  get length(): number {
    return this.levels[0].length;
  }

  push(v: number): void {
    const i = this.levels[0].length;
    this.levels[0].push(v);
    for (let k = 1; ; k++) {
      const j = i >> k;
      if (k >= this.levels.length) {
        if (i >> (k - 1) === 0) break; // the level below has a single entry
        const fresh = new GrowU8();
        fresh.push(this.levels[k - 1].data[0]); // block 0 so far
        this.levels.push(fresh);
      }
      const level = this.levels[k];
      if (j >= level.length) level.push(v);
      else if (level.data[j] < v) level.data[j] = v;
      else break; // unchanged here, unchanged above
    }
  }

  /** The maximum of entries [a, b); 0 for an empty range. */
  max(a: number, b: number): number {
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
