/** Query results as both engines return them (engine-neutral, so Athena-only bundles never load DuckDB). */
import { PipelineError } from '../errors.ts';

/** A query that the engine rejected or that failed while running. */
export class QueryExecutionError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QueryExecutionError';
  }
}

export type Value = string | number | boolean | null | Value[] | { [k: string]: Value };
export type Row = Record<string, Value>;

export interface QueryResult {
  columns: string[];
  rows: Row[];
}

