/** Inversify service identifiers for the shared ports. Each module declares its own beside its ports. */
export const TOKENS = {
  Config: Symbol.for('emporia.Config'),
  Store: Symbol.for('emporia.Store'),
  UnitOfWork: Symbol.for('emporia.UnitOfWork'),
  Clock: Symbol.for('emporia.Clock'),
} as const;
