import { v7 as uuidv7, validate, version } from 'uuid';

/** A new time-ordered, non-enumerable id (UUIDv7). */
export function newId(): string {
  return uuidv7();
}

export function isUuid(value: string): boolean {
  return validate(value) && version(value) >= 1;
}
