import type { EventOutbox } from './events.js';

declare module '../shared/store.js' {
  interface StoreRepositories {
    outbox: EventOutbox;
  }
}
