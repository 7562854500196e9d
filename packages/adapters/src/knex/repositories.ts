import type { StoreRepositories } from '@emporia/core';
import type { Knex } from 'knex';
import type { Dialect } from './database.js';

/** Builds every module's knex repository. Each module adds its line here. */
export function createRepositories(knex: Knex, dialect: Dialect): StoreRepositories {
  void knex;
  void dialect;
  return {};
}
