// knex's internal modules (its dialect classes), which carry no types of their own.
declare module 'knex/lib/*';
