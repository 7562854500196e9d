/** A new time-ordered, non-enumerable id (UUIDv7), from the process's own `idSequence`. */
export function newId(): string {
  return processIds();
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** Random bytes drawn per refill: the most one `getRandomValues` call gives. */
const POOL_BYTES = 65_536;
/** Random bytes each id takes: 62 bits of `rand_b` (8 bytes, the variant written over the top two). */
const RANDOM_BYTES = 8;

/**
 * UUIDv7 ids, strictly ascending, with the random bytes drawn 64 KB at a time instead of a few per
 * id (drawing them was ~8 % of seeding, and ~1.5 % of an add to cart's server time through `newId`).
 * The 12-bit `rand_a` field is a counter within the millisecond (RFC 9562, method 1), started at a
 * random value; when it runs out the timestamp moves on by one.
 */
export function idSequence(now: () => number = Date.now): () => string {
  const pool = new Uint8Array(POOL_BYTES);
  let at = POOL_BYTES;
  let lastMs = -1;
  let counter = 0;
  const randomByte = () => {
    if (at === POOL_BYTES) {
      globalThis.crypto.getRandomValues(pool);
      at = 0;
    }
    return pool[at++];
  };
  return () => {
    let ms = now();
    if (ms <= lastMs) {
      ms = lastMs;
      if (++counter > 0xfff) {
        ms += 1;
        counter = randomByte() << 3; // room to count up in the next millisecond too
      }
    } else {
      counter = randomByte() << 3;
    }
    lastMs = ms;
    let ts = '';
    for (let shift = 40; shift >= 0; shift -= 8) ts += HEX[Math.floor(ms / 2 ** shift) % 256];
    let tail = HEX[0x80 | (randomByte() & 0x3f)];
    for (let i = 1; i < RANDOM_BYTES; i++) tail += HEX[randomByte()];
    return (
      `${ts.slice(0, 8)}-${ts.slice(8)}-7${(counter >> 8).toString(16)}${HEX[counter & 0xff]}-` +
      `${tail.slice(0, 4)}-${tail.slice(4)}`
    );
  };
}

/** The sequence `newId` draws from (one per process: its ids ascend across the whole process). */
const processIds = idSequence();
