import { v7 as uuidv7 } from 'uuid';

/** A new time-ordered, non-enumerable id (UUIDv7). */
export function newId(): string {
  return uuidv7();
}
